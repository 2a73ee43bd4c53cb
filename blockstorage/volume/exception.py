"""Errors of cinder-volume's drivers and target helpers, with Cinder's class names.

The errors of the volume service as a whole (VolumeNotFound, InvalidVolume ...) are in
``blockstorage.exception``; these are the backend's own. For a caller of an RPC
``call`` (``initialize_connection``) to get them back as these classes, the module
must be on the RPC layer's allow-list (``common.rpc.exceptions.add_allowed_exmods``).
"""

from __future__ import annotations

from common.exception import Invalid, NotFound, NovellaException


class VolumeBackendAPIException(NovellaException):
    msg_fmt = "Bad or unexpected response from the storage volume backend API: %(data)s"


class VolumeDriverNotFound(NotFound):
    msg_fmt = "Volume driver %(driver)s could not be found."


class VolumeBackendNotReady(NovellaException):
    msg_fmt = "Backend %(backend)s is not ready: %(reason)s"


class VolumeGroupNotFound(VolumeBackendNotReady):
    msg_fmt = "Unable to find Volume Group: %(vg_name)s"


class VolumeDeviceNotFound(NotFound):
    msg_fmt = "Volume device not found at %(device)s."


class VolumeNotExported(Invalid):
    msg_fmt = "Volume %(volume_id)s has no export (provider_location is empty)."


class ISCSITargetCreateFailed(VolumeBackendAPIException):
    msg_fmt = "Failed to create iSCSI target %(iqn)s: %(reason)s"


class ISCSITargetNotFound(NotFound):
    msg_fmt = "iSCSI target %(iqn)s not found."


class ImageUnacceptable(Invalid):
    msg_fmt = "Image %(image_id)s is unacceptable: %(reason)s"


class ImageCopyFailure(NovellaException):
    msg_fmt = "Failed to copy image to volume: %(reason)s"


class TargetHelperNotFound(NotFound):
    msg_fmt = "Target helper %(helper)s could not be found."


class DriverNotInitialized(NovellaException):
    msg_fmt = "Volume driver not ready."
