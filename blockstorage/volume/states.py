"""Volume, attachment and snapshot statuses, and the one table of allowed transitions.

Cinder keeps a volume's life in two columns: ``status`` (what a user sees: creating,
available, reserved, attaching, in-use, detaching, ...) and ``attach_status``
(detached, reserved, attaching, attached).  Every change a request makes is a
compare-and-swap in the database ("set status to X where status is one of Y"), so of
two concurrent requests one wins and the other is refused; :data:`TRANSITIONS` is the
list of those swaps, read by ``blockstorage.orchestration`` (the API side), by the
volume manager, and by the tests.

The enumerations are ``StrEnum``: a member is its wire value (``"in-use"``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class VolumeStatus(enum.StrEnum):
    CREATING = "creating"
    AVAILABLE = "available"
    RESERVED = "reserved"  # attachment created, no connection yet (3.27 flow)
    ATTACHING = "attaching"
    IN_USE = "in-use"
    DETACHING = "detaching"
    DELETING = "deleting"
    ERROR = "error"
    ERROR_DELETING = "error_deleting"
    EXTENDING = "extending"
    ERROR_EXTENDING = "error_extending"
    MAINTENANCE = "maintenance"
    DOWNLOADING = "downloading"  # being written from an image
    UPLOADING = "uploading"  # being copied to an image
    RETYPING = "retyping"
    BACKING_UP = "backing-up"
    RESTORING_BACKUP = "restoring-backup"
    ERROR_BACKING_UP = "error_backing-up"
    ERROR_RESTORING = "error_restoring"
    ERROR_MANAGING = "error_managing"
    AWAITING_TRANSFER = "awaiting-transfer"


class AttachStatus(enum.StrEnum):
    DETACHED = "detached"
    RESERVED = "reserved"
    ATTACHING = "attaching"
    ATTACHED = "attached"
    DETACHING = "detaching"
    ERROR_ATTACHING = "error_attaching"
    ERROR_DETACHING = "error_detaching"
    DELETED = "deleted"


class SnapshotStatus(enum.StrEnum):
    CREATING = "creating"
    AVAILABLE = "available"
    DELETING = "deleting"
    ERROR = "error"
    ERROR_DELETING = "error_deleting"
    UNMANAGING = "unmanaging"
    BACKING_UP = "backing-up"
    RESTORING = "restoring"
    DELETED = "deleted"


# Statuses an admin may set with os-reset_status (Cinder's lists).
RESET_VOLUME_STATUSES = tuple(s.value for s in VolumeStatus)
RESET_ATTACH_STATUSES = (AttachStatus.ATTACHED.value, AttachStatus.DETACHED.value)
RESET_SNAPSHOT_STATUSES = tuple(s.value for s in SnapshotStatus if s is not SnapshotStatus.DELETED)
RESET_MIGRATION_STATUSES = ("migrating", "error", "success", "completing", "none", "starting")

# Statuses from which a volume may be deleted without force.
DELETABLE = (
    VolumeStatus.AVAILABLE,
    VolumeStatus.ERROR,
    VolumeStatus.ERROR_RESTORING,
    VolumeStatus.ERROR_EXTENDING,
    VolumeStatus.ERROR_MANAGING,
)


@dataclass(frozen=True)
class Transition:
    """``status`` moves from one of ``sources`` to ``target``; ``attach_status`` too
    when ``attach_target`` is set.  ``sources`` empty: any status (admin actions)."""

    sources: tuple[str, ...]
    target: str
    attach_target: str | None = None


V, A = VolumeStatus, AttachStatus

# The volume's transitions, named by what triggers them.  The API side takes the first
# step of each operation; cinder-volume takes the rest (``*_done`` / ``*_failed``).
TRANSITIONS: dict[str, Transition] = {
    # create: the API inserts the row as 'creating'; the manager ends it.
    "create_done": Transition((V.CREATING, V.DOWNLOADING), V.AVAILABLE),
    "create_failed": Transition((V.CREATING, V.DOWNLOADING), V.ERROR),
    # delete
    "delete": Transition(tuple(DELETABLE), V.DELETING),
    "force_delete": Transition((), V.DELETING),
    "delete_failed": Transition((V.DELETING,), V.ERROR_DELETING),
    # extend
    "extend": Transition((V.AVAILABLE,), V.EXTENDING),
    "extend_done": Transition((V.EXTENDING,), V.AVAILABLE),
    "extend_failed": Transition((V.EXTENDING,), V.ERROR_EXTENDING),
    # the legacy attach flow (os-reserve ... os-detach)
    "reserve": Transition((V.AVAILABLE,), V.ATTACHING),
    "reserve_multiattach": Transition((V.AVAILABLE, V.IN_USE), V.ATTACHING),
    "unreserve": Transition((V.ATTACHING,), V.AVAILABLE),
    "attach_done": Transition(
        (V.ATTACHING, V.RESERVED, V.AVAILABLE, V.IN_USE), V.IN_USE, A.ATTACHED
    ),
    "attach_failed": Transition((V.ATTACHING, V.RESERVED), V.ERROR, A.ERROR_ATTACHING),
    "begin_detaching": Transition((V.IN_USE,), V.DETACHING),
    "roll_detaching": Transition((V.DETACHING,), V.IN_USE),
    "detach_done": Transition(
        (V.DETACHING, V.IN_USE, V.ATTACHING, V.RESERVED), V.AVAILABLE, A.DETACHED
    ),  # noqa: E501
    # the attachments API (3.27): create reserves, update connects, delete detaches
    "attachment_reserve": Transition((V.AVAILABLE,), V.RESERVED),
    "attachment_reserve_multiattach": Transition((V.AVAILABLE, V.IN_USE, V.RESERVED), V.RESERVED),
    "attachment_update": Transition((V.RESERVED, V.IN_USE, V.ATTACHING), V.ATTACHING),
    # snapshots and images
    "upload_to_image": Transition((V.AVAILABLE,), V.UPLOADING),
    "upload_done": Transition((V.UPLOADING,), V.AVAILABLE),
    # admin
    "reset_status": Transition((), V.AVAILABLE),
}

SNAPSHOT_TRANSITIONS: dict[str, Transition] = {
    "create_done": Transition((SnapshotStatus.CREATING,), SnapshotStatus.AVAILABLE),
    "create_failed": Transition((SnapshotStatus.CREATING,), SnapshotStatus.ERROR),
    "delete": Transition((SnapshotStatus.AVAILABLE, SnapshotStatus.ERROR), SnapshotStatus.DELETING),
    "delete_failed": Transition((SnapshotStatus.DELETING,), SnapshotStatus.ERROR_DELETING),
}


def transition(name: str) -> Transition:
    """The named volume transition (``KeyError`` for a name not in the table)."""
    return TRANSITIONS[name]


def allowed(name: str, status: str) -> bool:
    """Whether a volume in ``status`` may take transition ``name``."""
    sources = TRANSITIONS[name].sources
    return not sources or status in sources
