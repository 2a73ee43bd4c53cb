"""Block storage exceptions: one class per meaning, with Cinder's messages.

``blockstorage.exception`` is on the RPC layer's allow-list, so an error raised in
cinder-volume or cinder-scheduler comes back as the same class.  Cinder answers quota
errors with 413 (``overLimit``); the ``code`` of each class is what the API edge shows.
"""

from __future__ import annotations

from common.exception import (  # noqa: F401  (re-exported for block storage code)
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    NovellaException,
)


class InvalidInput(Invalid):
    msg_fmt = "Invalid input received: %(reason)s"


class InvalidVolume(Invalid):
    msg_fmt = "Invalid volume: %(reason)s"


class InvalidSnapshot(Invalid):
    msg_fmt = "Invalid snapshot: %(reason)s"


class InvalidVolumeType(Invalid):
    msg_fmt = "Invalid volume type: %(reason)s"


class InvalidAvailabilityZone(Invalid):
    msg_fmt = "Availability zone '%(az)s' is invalid."


class InvalidVolumeAttachMode(Invalid):
    msg_fmt = "Invalid attaching mode '%(mode)s' for volume %(volume_id)s."


class InvalidAttachment(Invalid):
    msg_fmt = "Invalid attachment: %(reason)s"


class VolumeAttached(Invalid):
    msg_fmt = "Volume %(volume_id)s is still attached, detach volume first."


class InvalidSortKey(Invalid):
    msg_fmt = "Sort key supplied is invalid: %(key)s"


class VolumeNotFound(NotFound):
    msg_fmt = "Volume %(volume_id)s could not be found."


class SnapshotNotFound(NotFound):
    msg_fmt = "Snapshot %(snapshot_id)s could not be found."


class VolumeAttachmentNotFound(NotFound):
    msg_fmt = "Volume attachment could not be found with filter: %(filter)s."


class VolumeTypeNotFound(NotFound):
    msg_fmt = "Volume type %(volume_type_id)s could not be found."


class VolumeTypeNotFoundByName(VolumeTypeNotFound):
    msg_fmt = "Volume type with name %(volume_type_name)s could not be found."


class VolumeTypeExtraSpecsNotFound(NotFound):
    msg_fmt = "Volume Type %(volume_type_id)s has no extra specs with key %(extra_specs_key)s."


class VolumeTypeAccessNotFound(NotFound):
    msg_fmt = "Volume type access not found for %(volume_type_id)s / %(project_id)s combination."


class VolumeTypeExists(Conflict):
    msg_fmt = "Volume Type %(id)s already exists."


class VolumeTypeAccessExists(Conflict):
    msg_fmt = (
        "Volume type access for %(volume_type_id)s / %(project_id)s combination already exists."
    )


class VolumeTypeInUse(Invalid):
    msg_fmt = (
        "Volume Type %(volume_type_id)s deletion is not allowed with volumes present with the type."
    )


class VolumeTypeDefault(Invalid):
    msg_fmt = "The volume type %(volume_type_id)s is the only currently defined volume type and cannot be deleted."  # noqa: E501


class MarkerNotFound(NotFound):
    msg_fmt = "Marker %(marker)s could not be found."


class ProjectQuotaNotFound(NotFound):
    msg_fmt = "Quota for project %(project_id)s could not be found."


class QuotaError(NovellaException):
    msg_fmt = "Quota exceeded: code=%(code)s"
    code = 413
    safe = True


class VolumeSizeExceedsAvailableQuota(QuotaError):
    msg_fmt = (
        "Requested volume or snapshot exceeds allowed %(name)s quota. Requested "
        "%(requested)sG, quota is %(quota)sG and %(consumed)sG has been consumed."
    )


class VolumeSizeExceedsLimit(QuotaError):
    msg_fmt = "Requested volume size %(size)dG is larger than maximum allowed limit %(limit)dG."


class VolumeLimitExceeded(QuotaError):
    msg_fmt = "Maximum number of volumes allowed (%(allowed)d) exceeded for quota '%(name)s'."


class SnapshotLimitExceeded(QuotaError):
    msg_fmt = "Maximum number of snapshots allowed (%(allowed)d) exceeded"


class OverQuota(QuotaError):
    msg_fmt = "Quota exceeded for resources: %(overs)s"


class NoValidBackend(NovellaException):
    msg_fmt = "No valid backend was found. %(reason)s"
    code = 500
    safe = True


class ServiceNotFound(NotFound):
    msg_fmt = "Service %(service_id)s could not be found."


class ClassNotFound(NotFound):
    msg_fmt = "Class %(class_name)s could not be found: %(exception)s"


class SchedulerHostFilterNotFound(NotFound):
    msg_fmt = "Scheduler Host Filter %(filter_name)s could not be found."


class SchedulerHostWeigherNotFound(NotFound):
    msg_fmt = "Scheduler Host Weigher %(weigher_name)s could not be found."


class ImageNotFound(NotFound):
    msg_fmt = "Image %(image_id)s could not be found."


class VolumeDriverException(NovellaException):
    msg_fmt = "Volume driver reported an error: %(message)s"
