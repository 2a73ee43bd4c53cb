"""Cinder's versioned objects. Importing this package registers them all.

None of these modules imports the database layer at import time: the DB API is loaded
inside remotable bodies only.
"""

from blockstorage.objects.quotas import Quotas
from blockstorage.objects.request_spec import RequestSpec
from blockstorage.objects.service import Service, ServiceList
from blockstorage.objects.snapshot import Snapshot, SnapshotList
from blockstorage.objects.volume import Volume, VolumeList
from blockstorage.objects.volume_attachment import VolumeAttachment, VolumeAttachmentList
from blockstorage.objects.volume_type import VolumeType, VolumeTypeList

__all__ = [
    "Quotas",
    "RequestSpec",
    "Service",
    "ServiceList",
    "Snapshot",
    "SnapshotList",
    "Volume",
    "VolumeAttachment",
    "VolumeAttachmentList",
    "VolumeList",
    "VolumeType",
    "VolumeTypeList",
]
