"""Cinder's ``VolumeAttachment``: one attachment of a volume to a server (or host).

``connection_info`` and ``connector`` are dicts (JSON in the table).

Version history:
1.0 - initial: Cinder's attachment columns
"""

from __future__ import annotations

import json
from typing import Any

from blockstorage.objects.base import NAMESPACE, set_from_row
from blockstorage.objects.base import db as _db
from common.objects import (
    ObjectListBase,
    ObjectRegistry,
    VersionedObject,
    fields,
    remotable,
    remotable_classmethod,
)

JSON_FIELDS = ("connection_info", "connector")
COLUMN_FIELDS = (
    "id",
    "volume_id",
    "instance_uuid",
    "attached_host",
    "mountpoint",
    "attach_time",
    "detach_time",
    "attach_status",
    "attach_mode",
    "created_at",
    "updated_at",
    "deleted_at",
    "deleted",
)


@ObjectRegistry.register
class VolumeAttachment(VersionedObject):
    OBJ_NAMESPACE = NAMESPACE
    VERSION = "1.0"
    fields = {
        "id": fields.UUIDField(),
        "volume_id": fields.UUIDField(),
        "instance_uuid": fields.UUIDField(nullable=True),
        "attached_host": fields.StringField(nullable=True),
        "mountpoint": fields.StringField(nullable=True),
        "attach_time": fields.DateTimeField(nullable=True),
        "detach_time": fields.DateTimeField(nullable=True),
        "attach_status": fields.StringField(nullable=True),
        "attach_mode": fields.StringField(nullable=True),
        "connection_info": fields.DictField(nullable=True),
        "connector": fields.DictField(nullable=True),
        "created_at": fields.DateTimeField(nullable=True),
        "updated_at": fields.DateTimeField(nullable=True),
        "deleted_at": fields.DateTimeField(nullable=True),
        "deleted": fields.BooleanField(default=False),
    }

    @classmethod
    def _from_db_object(cls, context: Any, att: VolumeAttachment, row: Any) -> VolumeAttachment:
        set_from_row(att, row, list(COLUMN_FIELDS))
        for name in JSON_FIELDS:
            raw = getattr(row, name, None)
            setattr(att, name, json.loads(raw) if raw else None)
        att._context = context
        att.obj_reset_changes()
        return att

    @staticmethod
    def _db_values(values: dict[str, Any]) -> dict[str, Any]:
        return {
            k: (json.dumps(v) if k in JSON_FIELDS and v is not None else v)
            for k, v in values.items()
        }

    @remotable_classmethod
    def get_by_id(cls, context: Any, id: str) -> VolumeAttachment:
        return cls._from_db_object(context, cls(), _db().volume_attachment_get(context, id))

    @remotable
    def create(self, context: Any) -> None:
        values = self._db_values(self.obj_get_changes())
        self._from_db_object(context, self, _db().volume_attach(context, values))

    @remotable
    def save(self, context: Any) -> None:
        updates = self._db_values(self.obj_get_changes())
        updates.pop("id", None)
        if updates:
            row = _db().volume_attachment_update(context, self.id, updates)
            self._from_db_object(context, self, row)

    @remotable
    def finish_attach(
        self,
        context: Any,
        instance_uuid: str | None,
        host_name: str | None,
        mount_point: str | None,
        attach_mode: str = "rw",
        mark_attached: bool = True,
    ) -> Any:
        """Record that the attach finished (Cinder's name): this attachment ``attached``
        and the volume ``in-use``; returns the updated ``Volume``."""
        from blockstorage.objects.volume import Volume

        volume_row, row = _db().volume_attached(
            context, self.id, instance_uuid, host_name, mount_point, attach_mode, mark_attached
        )
        self._from_db_object(context, self, row)
        return Volume._from_db_object(context, Volume(), volume_row)


@ObjectRegistry.register
class VolumeAttachmentList(ObjectListBase):
    OBJ_NAMESPACE = NAMESPACE
    VERSION = "1.0"
    fields = {"objects": fields.ListOfObjectsField("VolumeAttachment")}

    @classmethod
    def _build(cls, context: Any, rows: list[Any]) -> VolumeAttachmentList:
        result = cls(context)
        result.objects = [
            VolumeAttachment._from_db_object(context, VolumeAttachment(), r) for r in rows
        ]
        result.obj_reset_changes()
        return result

    @remotable_classmethod
    def get_all(
        cls,
        context: Any,
        filters: dict[str, Any] | None = None,
        marker: str | None = None,
        limit: int | None = None,
        offset: int | None = None,
        sort_keys: list[str] | None = None,
        sort_dirs: list[str] | None = None,
        project_id: str | None = None,
    ) -> VolumeAttachmentList:
        rows = _db().volume_attachment_get_all(
            context, filters, marker, limit, sort_keys, sort_dirs, offset, project_id
        )
        return cls._build(context, rows)

    @remotable_classmethod
    def get_all_by_volume_id(cls, context: Any, volume_id: str) -> VolumeAttachmentList:
        return cls._build(
            context, _db().volume_attachment_get_all(context, {"volume_id": volume_id})
        )

    @remotable_classmethod
    def get_all_by_instance_uuid(cls, context: Any, instance_uuid: str) -> VolumeAttachmentList:
        rows = _db().volume_attachment_get_all(context, {"instance_uuid": instance_uuid})
        return cls._build(context, rows)
