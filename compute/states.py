"""Instance states: vm_state, task_state, power_state, the API status and the actions table.

Three enumerations describe an instance, as in Nova:

* ``vm_states`` - the stable state a user expects when no action is running;
* ``task_states`` - what is happening right now (``None`` when nothing is);
* ``power_state`` - what the hypervisor last reported (an integer, the driver is the
  authority; the database holds a recent snapshot of it).

The API shows neither directly but one *status* computed from the first two
(``status_from_state``), and a user action is accepted only from the states listed for it
in ``ACTIONS`` - the one table the API, the compute manager and the tests all read.

The enumerations are ``StrEnum`` / ``IntEnum``: a member *is* its wire value (``'active'``,
``1``), so it can be stored, compared with strings from the database and sent over RPC
without conversion.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from compute import exception

LOG = logging.getLogger(__name__)


class VmState(enum.StrEnum):
    ACTIVE = "active"  # running
    BUILDING = "building"  # only exists in the database so far
    PAUSED = "paused"
    SUSPENDED = "suspended"  # memory saved to disk
    STOPPED = "stopped"  # powered off, disks kept
    RESCUED = "rescued"
    RESIZED = "resized"  # running with the new flavor, waiting for confirm or revert
    SOFT_DELETED = "soft-delete"  # deleted, restorable until reclaimed
    DELETED = "deleted"
    ERROR = "error"
    SHELVED = "shelved"
    SHELVED_OFFLOADED = "shelved_offloaded"


class TaskState(enum.StrEnum):
    # create
    SCHEDULING = "scheduling"
    BLOCK_DEVICE_MAPPING = "block_device_mapping"
    NETWORKING = "networking"
    SPAWNING = "spawning"
    # snapshot / backup
    IMAGE_SNAPSHOT = "image_snapshot"
    IMAGE_SNAPSHOT_PENDING = "image_snapshot_pending"
    IMAGE_PENDING_UPLOAD = "image_pending_upload"
    IMAGE_UPLOADING = "image_uploading"
    IMAGE_BACKUP = "image_backup"
    UPDATING_PASSWORD = "updating_password"
    # resize
    RESIZE_PREP = "resize_prep"
    RESIZE_MIGRATING = "resize_migrating"
    RESIZE_MIGRATED = "resize_migrated"
    RESIZE_FINISH = "resize_finish"
    RESIZE_REVERTING = "resize_reverting"
    RESIZE_CONFIRMING = "resize_confirming"
    # reboot: *_PENDING once the API accepted it, *_STARTED once the compute host began
    REBOOTING = "rebooting"
    REBOOT_PENDING = "reboot_pending"
    REBOOT_STARTED = "reboot_started"
    REBOOTING_HARD = "rebooting_hard"
    REBOOT_PENDING_HARD = "reboot_pending_hard"
    REBOOT_STARTED_HARD = "reboot_started_hard"
    # power
    PAUSING = "pausing"
    UNPAUSING = "unpausing"
    SUSPENDING = "suspending"
    RESUMING = "resuming"
    POWERING_OFF = "powering-off"
    POWERING_ON = "powering-on"
    RESCUING = "rescuing"
    UNRESCUING = "unrescuing"
    # rebuild
    REBUILDING = "rebuilding"
    REBUILD_BLOCK_DEVICE_MAPPING = "rebuild_block_device_mapping"
    REBUILD_SPAWNING = "rebuild_spawning"
    MIGRATING = "migrating"
    # delete
    DELETING = "deleting"
    SOFT_DELETING = "soft-deleting"
    RESTORING = "restoring"
    # shelve
    SHELVING = "shelving"
    SHELVING_IMAGE_PENDING_UPLOAD = "shelving_image_pending_upload"
    SHELVING_IMAGE_UPLOADING = "shelving_image_uploading"
    SHELVING_OFFLOADING = "shelving_offloading"
    UNSHELVING = "unshelving"


class PowerState(enum.IntEnum):
    """Hypervisor power states. The numbers are Nova's (they match libvirt's domain states
    for the common cases), and so are the labels Nova prints for them."""

    NOSTATE = 0
    RUNNING = 1
    PAUSED = 3
    SHUTDOWN = 4  # powered off
    CRASHED = 6
    SUSPENDED = 7

    @property
    def label(self) -> str:
        return _POWER_STATE_LABELS[self]


_POWER_STATE_LABELS = {
    PowerState.NOSTATE: "pending",
    PowerState.RUNNING: "running",
    PowerState.PAUSED: "paused",
    PowerState.SHUTDOWN: "shutdown",
    PowerState.CRASHED: "crashed",
    PowerState.SUSPENDED: "suspended",
}

# The module-style names the rest of the code reads: ``vm_states.ACTIVE``,
# ``task_states.REBOOTING``, ``power_state.RUNNING``.
vm_states = VmState
task_states = TaskState
power_state = PowerState

ALL_VM_STATES: tuple[str, ...] = tuple(s.value for s in VmState)
ALL_TASK_STATES: tuple[str, ...] = tuple(s.value for s in TaskState)
ALL_POWER_STATES: tuple[int, ...] = tuple(s.value for s in PowerState)

# Groups Nova names, used by the actions table and by the compute manager on restart.
ALLOW_SOFT_REBOOT = frozenset({VmState.ACTIVE})
ALLOW_HARD_REBOOT = ALLOW_SOFT_REBOOT | {
    VmState.STOPPED,
    VmState.PAUSED,
    VmState.SUSPENDED,
    VmState.ERROR,
}
# Task states a hard reboot may interrupt: a hung soft reboot or power action.
ALLOW_REBOOT: frozenset[TaskState | None] = frozenset(
    {
        None,
        TaskState.REBOOTING,
        TaskState.REBOOT_PENDING,
        TaskState.REBOOT_STARTED,
        TaskState.RESUMING,
        TaskState.REBOOTING_HARD,
        TaskState.UNPAUSING,
        TaskState.PAUSING,
        TaskState.SUSPENDING,
    }
)
SOFT_REBOOT_STATES = (TaskState.REBOOTING, TaskState.REBOOT_PENDING, TaskState.REBOOT_STARTED)
HARD_REBOOT_STATES = (
    TaskState.REBOOTING_HARD,
    TaskState.REBOOT_PENDING_HARD,
    TaskState.REBOOT_STARTED_HARD,
)
RESIZING_STATES = (
    TaskState.RESIZE_PREP,
    TaskState.RESIZE_MIGRATING,
    TaskState.RESIZE_MIGRATED,
    TaskState.RESIZE_FINISH,
)
REBUILD_STATES = (
    TaskState.REBUILDING,
    TaskState.REBUILD_BLOCK_DEVICE_MAPPING,
    TaskState.REBUILD_SPAWNING,
)
BUILD_STATES = (
    TaskState.SCHEDULING,
    TaskState.BLOCK_DEVICE_MAPPING,
    TaskState.NETWORKING,
    TaskState.SPAWNING,
)


# --- API status ---------------------------------------------------------------------------

_DEFAULT = "default"

# vm_state -> {task_state or 'default': API status}, exactly as the Compute API shows it.
_STATE_MAP: dict[str, dict[str, str]] = {
    VmState.ACTIVE: {
        _DEFAULT: "ACTIVE",
        **dict.fromkeys(SOFT_REBOOT_STATES, "REBOOT"),
        **dict.fromkeys(HARD_REBOOT_STATES, "HARD_REBOOT"),
        TaskState.UPDATING_PASSWORD: "PASSWORD",
        **dict.fromkeys(REBUILD_STATES, "REBUILD"),
        TaskState.MIGRATING: "MIGRATING",
        **dict.fromkeys(RESIZING_STATES, "RESIZE"),
    },
    VmState.BUILDING: {_DEFAULT: "BUILD"},
    VmState.STOPPED: {
        _DEFAULT: "SHUTOFF",
        **dict.fromkeys(RESIZING_STATES, "RESIZE"),
        **dict.fromkeys(REBUILD_STATES, "REBUILD"),
    },
    # A confirm in progress still shows VERIFY_RESIZE: the API has no CONFIRMING_RESIZE.
    VmState.RESIZED: {_DEFAULT: "VERIFY_RESIZE", TaskState.RESIZE_REVERTING: "REVERT_RESIZE"},
    VmState.PAUSED: {_DEFAULT: "PAUSED", TaskState.MIGRATING: "MIGRATING"},
    VmState.SUSPENDED: {_DEFAULT: "SUSPENDED"},
    VmState.RESCUED: {_DEFAULT: "RESCUE"},
    VmState.ERROR: {_DEFAULT: "ERROR", **dict.fromkeys(REBUILD_STATES, "REBUILD")},
    VmState.DELETED: {_DEFAULT: "DELETED"},
    VmState.SOFT_DELETED: {_DEFAULT: "SOFT_DELETED"},
    VmState.SHELVED: {_DEFAULT: "SHELVED"},
    VmState.SHELVED_OFFLOADED: {_DEFAULT: "SHELVED_OFFLOADED"},
}

API_STATUSES: tuple[str, ...] = tuple(
    sorted({status for task_map in _STATE_MAP.values() for status in task_map.values()})
)


def status_from_state(vm_state: str | None, task_state: str | None = None) -> str:
    """The server ``status`` the Compute API shows for this pair.

    An unknown vm_state gives ``UNKNOWN`` (and an error in the log: the database holds a
    value no code writes), as Nova does.
    """
    task_map = _STATE_MAP.get(vm_state) if vm_state is not None else None
    if task_map is None:
        LOG.error(
            "status is UNKNOWN from vm_state=%s task_state=%s. Bad upgrade or db corrupted?",
            vm_state,
            task_state,
        )
        return "UNKNOWN"
    return task_map.get(task_state, task_map[_DEFAULT]) if task_state else task_map[_DEFAULT]


def task_and_vm_state_from_status(
    statuses: Iterable[str],
) -> tuple[list[str], list[str] | None]:
    """The ``vm_state`` and ``task_state`` filters for ``GET /servers?status=...``.

    Returns ``(vm_states, task_states)``; ``task_states`` is None when a status matched a
    vm_state's default, meaning "any task_state": as in Nova, ``status=ACTIVE`` therefore
    also lists active servers that are rebooting. Statuses are case-insensitive; unknown
    ones match nothing (empty vm_states).
    """
    wanted = {status.lower() for status in statuses}
    vm_matches: set[str] = set()
    task_matches: set[str] = set()
    any_task = False
    for vm_state, task_map in _STATE_MAP.items():
        for task_state, status in task_map.items():
            if status.lower() not in wanted:
                continue
            vm_matches.add(str(vm_state))
            if task_state == _DEFAULT:
                any_task = True
            else:
                task_matches.add(str(task_state))
    return sorted(vm_matches), (None if any_task else sorted(task_matches))


# --- Actions a user may ask for, and the states they are allowed from ----------------------


class Action(enum.StrEnum):
    REBOOT = "reboot"
    REBOOT_HARD = "reboot_hard"
    STOP = "stop"
    START = "start"
    PAUSE = "pause"
    UNPAUSE = "unpause"
    SUSPEND = "suspend"
    RESUME = "resume"
    LOCK = "lock"
    UNLOCK = "unlock"
    REBUILD = "rebuild"
    RESIZE = "resize"
    CONFIRM_RESIZE = "confirm_resize"
    REVERT_RESIZE = "revert_resize"
    CREATE_IMAGE = "create_image"
    DELETE = "delete"
    FORCE_DELETE = "force_delete"


ANY = None  # in ActionRule: no restriction on that attribute
_NOT_GIVEN: Any = object()
_NO_TASK: frozenset[TaskState | None] = frozenset({None})


@dataclass(frozen=True)
class ActionRule:
    """When one action is accepted and what it does to the instance's states.

    ``vm_states`` / ``task_states`` are the allowed values (``None`` = any; a ``None``
    *inside* ``task_states`` means "no task running"). The API saves the new ``task_state``
    with ``expected_task_state=task_states`` so two concurrent actions cannot both win.
    ``done_vm_state`` is where the compute host leaves the instance on success (None: as it
    was before the action, e.g. a rebuild of a stopped server stays stopped).
    """

    action: Action
    method: str  # the name InstanceInvalidState messages carry (Nova's compute API method)
    api_action: str  # the action name Nova's REST layer puts in its 409 message
    vm_states: frozenset[VmState] | None
    task_states: frozenset[TaskState | None] | None
    task_state: TaskState | None  # set by the API when the action is accepted
    done_vm_state: VmState | None
    done_power_state: PowerState | None
    must_have_launched: bool = True

    @property
    def expected_task_state(self) -> list[str | None] | None:
        """The ``expected_task_state`` argument for ``Instance.save`` (None = any)."""
        if self.task_states is None:
            return None
        return sorted((None if s is None else str(s) for s in self.task_states), key=str)


def _rule(
    action: Action,
    method: str,
    api_action: str,
    vm: Iterable[VmState] | None,
    task: Iterable[TaskState | None] | None = _NO_TASK,
    sets: TaskState | None = None,
    done: VmState | None = None,
    power: PowerState | None = None,
    must_have_launched: bool = True,
) -> ActionRule:
    return ActionRule(
        action=action,
        method=method,
        api_action=api_action,
        vm_states=None if vm is None else frozenset(vm),
        task_states=None if task is None else frozenset(task),
        task_state=sets,
        done_vm_state=done,
        done_power_state=power,
        must_have_launched=must_have_launched,
    )


_V = VmState
_T = TaskState
_P = PowerState

# The allowed states are the ``check_instance_state`` arguments of Nova's compute API.
ACTIONS: dict[Action, ActionRule] = {
    rule.action: rule
    for rule in (
        _rule(Action.REBOOT, "reboot", "reboot", ALLOW_SOFT_REBOOT, _NO_TASK,
              _T.REBOOTING, _V.ACTIVE, _P.RUNNING),
        _rule(Action.REBOOT_HARD, "reboot", "reboot", ALLOW_HARD_REBOOT, ALLOW_REBOOT,
              _T.REBOOTING_HARD, _V.ACTIVE, _P.RUNNING),
        _rule(Action.STOP, "stop", "stop", [_V.ACTIVE, _V.ERROR], _NO_TASK,
              _T.POWERING_OFF, _V.STOPPED, _P.SHUTDOWN),
        _rule(Action.START, "start", "start", [_V.STOPPED], _NO_TASK,
              _T.POWERING_ON, _V.ACTIVE, _P.RUNNING),
        _rule(Action.PAUSE, "pause", "pause", [_V.ACTIVE], _NO_TASK,
              _T.PAUSING, _V.PAUSED, _P.PAUSED),
        _rule(Action.UNPAUSE, "unpause", "unpause", [_V.PAUSED], _NO_TASK,
              _T.UNPAUSING, _V.ACTIVE, _P.RUNNING),
        _rule(Action.SUSPEND, "suspend", "suspend", [_V.ACTIVE], _NO_TASK,
              _T.SUSPENDING, _V.SUSPENDED, _P.SUSPENDED),
        _rule(Action.RESUME, "resume", "resume", [_V.SUSPENDED], _NO_TASK,
              _T.RESUMING, _V.ACTIVE, _P.RUNNING),
        # Locking changes no state and is allowed in any.
        _rule(Action.LOCK, "lock", "lock", ANY, ANY, must_have_launched=False),
        _rule(Action.UNLOCK, "unlock", "unlock", ANY, ANY, must_have_launched=False),
        _rule(Action.REBUILD, "rebuild", "rebuild", [_V.ACTIVE, _V.STOPPED, _V.ERROR],
              _NO_TASK, _T.REBUILDING),
        _rule(Action.RESIZE, "resize", "resize", [_V.ACTIVE, _V.STOPPED], _NO_TASK,
              _T.RESIZE_PREP, _V.RESIZED),
        # Confirming sets no task_state in Nova (the migration record says 'confirming').
        _rule(Action.CONFIRM_RESIZE, "confirm_resize", "confirmResize", [_V.RESIZED]),
        _rule(Action.REVERT_RESIZE, "revert_resize", "revertResize", [_V.RESIZED], _NO_TASK,
              _T.RESIZE_REVERTING),
        _rule(Action.CREATE_IMAGE, "snapshot", "createImage",
              [_V.ACTIVE, _V.STOPPED, _V.PAUSED, _V.SUSPENDED], _NO_TASK, _T.IMAGE_SNAPSHOT),
        # Delete must always be able to finish: any vm_state, any task_state, even a
        # server that never launched (deleted while still in BUILD).
        _rule(Action.DELETE, "delete", "delete", ANY, ANY, _T.DELETING, _V.DELETED,
              must_have_launched=False),
        _rule(Action.FORCE_DELETE, "force_delete", "forceDelete", ANY, ANY, _T.DELETING,
              _V.DELETED, must_have_launched=False),
    )
}  # fmt: skip


def get_rule(action: Action | str) -> ActionRule:
    try:
        return ACTIONS[Action(action)]
    except ValueError:
        raise KeyError(f"unknown instance action {action!r}") from None


def is_action_allowed(action: Action | str, vm_state: str | None, task_state: str | None) -> bool:
    rule = get_rule(action)
    if rule.vm_states is not None and vm_state not in rule.vm_states:
        return False
    return rule.task_states is None or task_state in rule.task_states


def check_action_allowed(
    action: Action | str,
    vm_state: str | None,
    task_state: str | None,
    instance_uuid: str | None = None,
    launched_at: Any = _NOT_GIVEN,
) -> ActionRule:
    """Raise ``InstanceInvalidState`` unless ``action`` is allowed; return its rule.

    Checks vm_state, then task_state, then (when ``launched_at`` is given and the action
    needs a launched server) that the server ever launched, in Nova's order and with its
    message. ``launched_at`` left out skips the last check.
    """
    rule = get_rule(action)

    def refuse(attr: str, state: Any) -> exception.InstanceInvalidState:
        return exception.InstanceInvalidState(
            attr=attr, instance_uuid=instance_uuid, state=state, method=rule.method
        )

    if rule.vm_states is not None and vm_state not in rule.vm_states:
        raise refuse("vm_state", vm_state)
    if rule.task_states is not None and task_state not in rule.task_states:
        raise refuse("task_state", task_state)
    if launched_at is not _NOT_GIVEN and rule.must_have_launched and not launched_at:
        raise refuse("launched_at", launched_at)
    return rule


def check_instance_action(action: Action | str, instance: Any) -> ActionRule:
    """``check_action_allowed`` for an Instance object (reads its states and launched_at)."""
    return check_action_allowed(
        action,
        instance.vm_state,
        instance.task_state,
        instance_uuid=instance.uuid,
        launched_at=getattr(instance, "launched_at", None),
    )


def invalid_state_message(
    exc: exception.InstanceInvalidState, api_action: str, server_id: str
) -> str:
    """The text of the 409 the Compute API answers for a refused action."""
    attr, state = exc.kwargs.get("attr"), exc.kwargs.get("state")
    if attr is not None and state is not None:
        return f"Cannot '{api_action}' instance {server_id} while it is in {attr} {state}"
    return f"Instance {server_id} is in an invalid state for '{api_action}'"
