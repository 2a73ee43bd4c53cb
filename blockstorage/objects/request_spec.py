"""Cinder's ``RequestSpec``: what cinder-scheduler needs to place one volume.

Built by cinder-api (``blockstorage.orchestration``), sent with ``create_volume`` to
cinder-scheduler, then on to the chosen cinder-volume.  ``resource_backend`` pins the
volume to one backend (a clone or a volume from a snapshot stays with its source).

Version history:
1.0 - initial: Cinder's fields for volume creation
"""

from __future__ import annotations

from typing import Any

from blockstorage.objects.base import NAMESPACE
from blockstorage.objects.volume import Volume  # noqa: F401  (registers nested types)
from common.objects import ObjectRegistry, VersionedObject, fields


@ObjectRegistry.register
class RequestSpec(VersionedObject):
    OBJ_NAMESPACE = NAMESPACE
    VERSION = "1.0"
    fields = {
        "volume_id": fields.UUIDField(nullable=True),
        "snapshot_id": fields.UUIDField(nullable=True),
        "image_id": fields.StringField(nullable=True),
        "source_volid": fields.UUIDField(nullable=True),
        "backup_id": fields.UUIDField(nullable=True),
        "group_id": fields.UUIDField(nullable=True),
        "consistencygroup_id": fields.UUIDField(nullable=True),
        "volume": fields.ObjectField("Volume", nullable=True),
        "volume_type": fields.ObjectField("VolumeType", nullable=True),
        # size, availability_zone, project_id, user_id, multiattach ... of the volume.
        "volume_properties": fields.DictField(default={}),
        "availability_zones": fields.ListOfStringsField(default=[]),
        "resource_backend": fields.StringField(nullable=True),
        "operation": fields.StringField(nullable=True),
        # Backends already tried (rescheduling) and scheduler hints.
        "retry": fields.DictField(nullable=True),
        "scheduler_hints": fields.DictField(default={}),
    }

    def obj_load_attr(self, name: str) -> None:
        """A field the sender left out reads as its default (or None): a spec built by
        an older sender still schedules."""
        field = self.fields[name]
        if field.has_default:
            self.obj_set_defaults(name)
        elif field.nullable:
            setattr(self, name, None)
        else:
            super().obj_load_attr(name)
        self.obj_reset_changes([name])

    @property
    def size(self) -> int:
        return int(self.volume_properties.get("size") or 0)

    def to_filter_properties(self) -> dict[str, Any]:
        return {
            "size": self.size,
            "availability_zones": list(self.availability_zones),
            "resource_backend": self.resource_backend,
            "retry": self.retry or {},
            "scheduler_hints": dict(self.scheduler_hints),
        }
