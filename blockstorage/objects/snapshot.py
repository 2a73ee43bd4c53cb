"""Cinder's ``Snapshot`` and ``SnapshotList``.

Version history:
1.0 - initial: Cinder's snapshot columns, metadata, volume (loaded on first use)
"""

from __future__ import annotations

from typing import Any

from blockstorage import exception
from blockstorage.objects.base import NAMESPACE, DictSnapshotMixin, set_from_row
from blockstorage.objects.base import db as _db
from blockstorage.objects.volume import Volume
from common.config import CONF
from common.objects import (
    ObjectListBase,
    ObjectRegistry,
    VersionedObject,
    fields,
    remotable,
    remotable_classmethod,
)

COLUMN_FIELDS = (
    "id",
    "user_id",
    "project_id",
    "volume_id",
    "cgsnapshot_id",
    "group_snapshot_id",
    "status",
    "progress",
    "volume_size",
    "display_name",
    "display_description",
    "encryption_key_id",
    "volume_type_id",
    "provider_location",
    "provider_id",
    "provider_auth",
    "use_quota",
    "created_at",
    "updated_at",
    "deleted_at",
    "deleted",
)


@ObjectRegistry.register
class Snapshot(DictSnapshotMixin, VersionedObject):
    OBJ_NAMESPACE = NAMESPACE
    VERSION = "1.0"
    DICT_FIELDS = ("metadata",)
    fields = {
        "id": fields.UUIDField(),
        "user_id": fields.StringField(nullable=True),
        "project_id": fields.StringField(nullable=True),
        "volume_id": fields.UUIDField(nullable=True),
        "cgsnapshot_id": fields.UUIDField(nullable=True),
        "group_snapshot_id": fields.UUIDField(nullable=True),
        "status": fields.StringField(nullable=True),
        "progress": fields.StringField(nullable=True),
        "volume_size": fields.IntegerField(nullable=True),
        "display_name": fields.StringField(nullable=True),
        "display_description": fields.StringField(nullable=True),
        "encryption_key_id": fields.UUIDField(nullable=True),
        "volume_type_id": fields.UUIDField(nullable=True),
        "provider_location": fields.StringField(nullable=True),
        "provider_id": fields.StringField(nullable=True),
        "provider_auth": fields.StringField(nullable=True),
        "use_quota": fields.BooleanField(default=True),
        "created_at": fields.DateTimeField(nullable=True),
        "updated_at": fields.DateTimeField(nullable=True),
        "deleted_at": fields.DateTimeField(nullable=True),
        "deleted": fields.BooleanField(default=False),
        "metadata": fields.DictOfStringsField(default={}),
        "volume": fields.ObjectField("Volume", nullable=True),
    }

    @property
    def name(self) -> str:
        """The backend's name for the snapshot (``snapshot_name_template``)."""
        return CONF.snapshot_name_template % self.id

    @property
    def volume_name(self) -> str:
        return self.volume.name

    def obj_load_attr(self, name: str) -> None:
        if name != "volume" or self._context is None:
            super().obj_load_attr(name)
        self.volume = Volume.get_by_id(self._context.elevated(), self.volume_id)
        self.obj_reset_changes(["volume"])

    @classmethod
    def _from_db_object(cls, context: Any, snapshot: Snapshot, row: Any) -> Snapshot:
        set_from_row(snapshot, row, list(COLUMN_FIELDS))
        snapshot.metadata = (getattr(row, "attached", None) or {}).get("metadata", {})
        snapshot._context = context
        snapshot.obj_reset_changes()
        return snapshot

    def _db_changes(self) -> dict[str, Any]:
        updates = self.obj_get_changes()
        updates.pop("volume", None)
        updates.pop("id", None)
        return updates

    @remotable_classmethod
    def get_by_id(cls, context: Any, id: str) -> Snapshot:
        return cls._from_db_object(context, cls(), _db().snapshot_get(context, id))

    def _create_values(self) -> dict[str, Any]:
        if self.obj_attr_is_set("created_at"):
            raise exception.NovellaException(message="Snapshot already created")
        self.obj_set_defaults("use_quota", "metadata")
        values = self._db_changes()
        if self.obj_attr_is_set("id"):
            values["id"] = self.id
        values["deleted"] = False
        return values

    @remotable
    def create(self, context: Any) -> None:
        self._from_db_object(context, self, _db().snapshot_create(context, self._create_values()))

    @remotable
    def create_with_quota(self, context: Any, type_name: str | None = None) -> None:
        """Insert if the project's snapshots/gigabytes quotas allow it (413 if not)."""
        row = _db().snapshot_create_with_quota(context, self._create_values(), type_name)
        self._from_db_object(context, self, row)

    @remotable
    def save(self, context: Any) -> None:
        updates = self._db_changes()
        if updates:
            self._from_db_object(context, self, _db().snapshot_update(context, self.id, updates))

    @remotable
    def conditional_update(
        self, context: Any, values: dict[str, Any], expected_values: dict[str, Any] | None = None
    ) -> bool:
        done = _db().snapshot_conditional_update(context, self.id, values, expected_values)
        if done:
            self._from_db_object(context, self, _db().snapshot_get(context.elevated(), self.id))
        return done

    @remotable
    def destroy(self, context: Any) -> None:
        for key, value in _db().snapshot_destroy(context, self.id).items():
            setattr(self, key, value)
        self.obj_reset_changes()


@ObjectRegistry.register
class SnapshotList(ObjectListBase):
    OBJ_NAMESPACE = NAMESPACE
    VERSION = "1.0"
    fields = {"objects": fields.ListOfObjectsField("Snapshot")}

    @classmethod
    def _build(cls, context: Any, rows: list[Any]) -> SnapshotList:
        result = cls(context)
        result.objects = [Snapshot._from_db_object(context, Snapshot(), r) for r in rows]
        result.obj_reset_changes()
        return result

    @remotable_classmethod
    def get_all(
        cls,
        context: Any,
        filters: dict[str, Any] | None = None,
        marker: str | None = None,
        limit: int | None = None,
        sort_keys: list[str] | None = None,
        sort_dirs: list[str] | None = None,
        offset: int | None = None,
        project_id: str | None = None,
    ) -> SnapshotList:
        rows = _db().snapshot_get_all(
            context, filters, marker, limit, sort_keys, sort_dirs, offset, project_id
        )
        return cls._build(context, rows)

    @remotable_classmethod
    def get_all_for_volume(cls, context: Any, volume_id: str) -> SnapshotList:
        return cls._build(context, _db().snapshot_get_all(context, {"volume_id": volume_id}))
