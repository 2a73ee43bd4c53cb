"""Cinder's ``Volume`` and ``VolumeList``.

``host`` is ``host@backend#pool`` once placed; cinder-volume's RPC server for it is
``host@backend`` (``volume_utils.extract_host``).  Status changes go through
``conditional_update`` (a compare-and-swap in the database), whose allowed statuses
come from ``blockstorage.volume.states.TRANSITIONS``.

Version history:
1.0 - initial: Cinder's volume columns, metadata, admin_metadata, glance_metadata,
      volume_type, volume_attachment
"""

from __future__ import annotations

from typing import Any

from blockstorage import exception
from blockstorage.objects.base import NAMESPACE, DictSnapshotMixin, set_from_row
from blockstorage.objects.base import db as _db
from blockstorage.objects.volume_attachment import VolumeAttachment
from blockstorage.objects.volume_type import VolumeType
from blockstorage.volume.states import TRANSITIONS
from common.config import CONF
from common.objects import (
    ObjectListBase,
    ObjectRegistry,
    VersionedObject,
    fields,
    remotable,
    remotable_classmethod,
)

DICT_FIELDS = ("metadata", "admin_metadata", "glance_metadata")
NESTED_FIELDS = ("volume_type", "volume_attachment")
COLUMN_FIELDS = (
    "id",
    "name_id",
    "ec2_id",
    "user_id",
    "project_id",
    "snapshot_id",
    "cluster_name",
    "host",
    "size",
    "availability_zone",
    "status",
    "attach_status",
    "migration_status",
    "scheduled_at",
    "launched_at",
    "terminated_at",
    "display_name",
    "display_description",
    "provider_id",
    "provider_location",
    "provider_auth",
    "provider_geometry",
    "volume_type_id",
    "source_volid",
    "encryption_key_id",
    "consistencygroup_id",
    "group_id",
    "bootable",
    "multiattach",
    "replication_status",
    "replication_extended_status",
    "replication_driver_data",
    "previous_status",
    "service_uuid",
    "shared_targets",
    "use_quota",
    "created_at",
    "updated_at",
    "deleted_at",
    "deleted",
)


def extract_host(host: str | None, level: str = "backend") -> str | None:
    """``host@backend#pool`` -> ``host`` / ``host@backend`` / ``pool`` (Cinder's rule:
    a backend without a pool part has the pool named after the backend)."""
    if host is None:
        return None
    backend, _sep, pool = host.partition("#")
    if level == "host":
        return backend.split("@")[0]
    if level == "backend":
        return backend
    return pool or None


@ObjectRegistry.register
class Volume(DictSnapshotMixin, VersionedObject):
    OBJ_NAMESPACE = NAMESPACE
    VERSION = "1.0"
    DICT_FIELDS = DICT_FIELDS
    fields = {
        "id": fields.UUIDField(),
        "name_id": fields.UUIDField(nullable=True),
        "ec2_id": fields.StringField(nullable=True),
        "user_id": fields.StringField(nullable=True),
        "project_id": fields.StringField(nullable=True),
        "snapshot_id": fields.UUIDField(nullable=True),
        "cluster_name": fields.StringField(nullable=True),
        "host": fields.StringField(nullable=True),
        "size": fields.IntegerField(nullable=True),
        "availability_zone": fields.StringField(nullable=True),
        "status": fields.StringField(nullable=True),
        "attach_status": fields.StringField(nullable=True),
        "migration_status": fields.StringField(nullable=True),
        "scheduled_at": fields.DateTimeField(nullable=True),
        "launched_at": fields.DateTimeField(nullable=True),
        "terminated_at": fields.DateTimeField(nullable=True),
        "display_name": fields.StringField(nullable=True),
        "display_description": fields.StringField(nullable=True),
        "provider_id": fields.StringField(nullable=True),
        "provider_location": fields.StringField(nullable=True),
        "provider_auth": fields.StringField(nullable=True),
        "provider_geometry": fields.StringField(nullable=True),
        "volume_type_id": fields.UUIDField(nullable=True),
        "source_volid": fields.UUIDField(nullable=True),
        "encryption_key_id": fields.UUIDField(nullable=True),
        "consistencygroup_id": fields.UUIDField(nullable=True),
        "group_id": fields.UUIDField(nullable=True),
        "bootable": fields.BooleanField(default=False),
        "multiattach": fields.BooleanField(default=False),
        "replication_status": fields.StringField(nullable=True),
        "replication_extended_status": fields.StringField(nullable=True),
        "replication_driver_data": fields.StringField(nullable=True),
        "previous_status": fields.StringField(nullable=True),
        "service_uuid": fields.StringField(nullable=True),
        "shared_targets": fields.BooleanField(nullable=True, default=True),
        "use_quota": fields.BooleanField(default=True),
        "created_at": fields.DateTimeField(nullable=True),
        "updated_at": fields.DateTimeField(nullable=True),
        "deleted_at": fields.DateTimeField(nullable=True),
        "deleted": fields.BooleanField(default=False),
        "metadata": fields.DictOfStringsField(default={}),
        "admin_metadata": fields.DictOfStringsField(default={}),
        "glance_metadata": fields.DictOfStringsField(default={}),
        "volume_type": fields.ObjectField("VolumeType", nullable=True),
        "volume_attachment": fields.ListOfObjectsField("VolumeAttachment", default=[]),
    }

    # -- names the backends use ----------------------------------------------------------
    @property
    def name(self) -> str:
        """The backend's name for the volume (``volume_name_template``)."""
        return CONF.volume_name_template % (self._values.get("name_id") or self.id)

    @property
    def backend(self) -> str | None:
        """``host@backend``: the cinder-volume RPC server holding the volume."""
        return extract_host(self.host, "backend")

    # -- rows <-> object ---------------------------------------------------------------------
    @classmethod
    def _from_db_object(cls, context: Any, volume: Volume, row: Any) -> Volume:
        set_from_row(volume, row, list(COLUMN_FIELDS))
        attached = getattr(row, "attached", None) or {}
        for name in DICT_FIELDS:
            if name in attached:
                setattr(volume, name, attached[name])
        if "volume_type" in attached:
            type_row = attached["volume_type"]
            volume.volume_type = (
                VolumeType._from_db_object(context, VolumeType(), type_row) if type_row else None
            )
        if "attachments" in attached:
            volume.volume_attachment = [
                VolumeAttachment._from_db_object(context, VolumeAttachment(), a)
                for a in attached["attachments"]
            ]
        volume._context = context
        volume.obj_reset_changes()
        return volume

    def _db_changes(self) -> dict[str, Any]:
        updates = {k: v for k, v in self.obj_get_changes().items() if k not in NESTED_FIELDS}
        updates.pop("id", None)
        return updates

    # -- reading ---------------------------------------------------------------------------
    @remotable_classmethod
    def get_by_id(cls, context: Any, id: str) -> Volume:
        return cls._from_db_object(context, cls(), _db().volume_get(context, id))

    @remotable
    def refresh(self, context: Any) -> None:
        self._from_db_object(context, self, _db().volume_get(context.elevated(), self.id))

    # -- writing ---------------------------------------------------------------------------
    def _create_values(self) -> dict[str, Any]:
        if self.obj_attr_is_set("created_at"):
            raise exception.NovellaException(message="Volume already created")
        self.obj_set_defaults("bootable", "multiattach", "use_quota", "deleted")
        values = self._db_changes()
        values["deleted"] = False
        return values

    @remotable
    def create(self, context: Any) -> None:
        """Insert without counting against quotas (services and tests)."""
        self._from_db_object(context, self, _db().volume_create(context, self._create_values()))

    @remotable
    def create_with_quota(self, context: Any) -> None:
        """Insert if the project's volumes/gigabytes quotas (also per type) allow it;
        raises Cinder's over-quota errors (413) otherwise."""
        type_name = self.volume_type.name if self._values.get("volume_type") else None
        row = _db().volume_create_with_quota(context, self._create_values(), type_name)
        self._from_db_object(context, self, row)

    @remotable
    def save(self, context: Any) -> None:
        updates = self._db_changes()
        if updates:
            self._from_db_object(context, self, _db().volume_update(context, self.id, updates))

    @remotable
    def conditional_update(
        self,
        context: Any,
        values: dict[str, Any],
        expected_values: dict[str, Any] | None = None,
        no_snapshots: bool = False,
        not_attached: bool = False,
    ) -> bool:
        """Compare-and-swap: write ``values`` only when the row still matches
        ``expected_values`` (column -> value or allowed values); refreshes on success."""
        done = _db().volume_conditional_update(
            context, self.id, values, expected_values, no_snapshots, not_attached
        )
        if done:
            self._from_db_object(context, self, _db().volume_get(context.elevated(), self.id))
        return done

    def take_transition(self, name: str, **extra_values: Any) -> bool:
        """Apply ``states.TRANSITIONS[name]`` as a compare-and-swap."""
        step = TRANSITIONS[name]
        values: dict[str, Any] = {"status": step.target.value, **extra_values}
        if step.attach_target is not None:
            values["attach_status"] = step.attach_target.value
        expected = {"status": [s.value for s in step.sources]} if step.sources else {}
        return self.conditional_update(values, expected)

    @remotable
    def begin_extend(self, context: Any, new_size: int) -> bool:
        """available -> extending if the gigabytes quota allows the growth."""
        type_name = self.volume_type.name if self._values.get("volume_type") else None
        done = _db().volume_extend_with_quota(context, self.id, new_size, type_name)
        if done:
            self._from_db_object(context, self, _db().volume_get(context.elevated(), self.id))
        return done

    @remotable
    def destroy(self, context: Any) -> None:
        updates = _db().volume_destroy(context, self.id)
        for key, value in updates.items():
            setattr(self, key, value)
        self.obj_reset_changes()

    @remotable
    def finish_detach(self, context: Any, attachment_id: str | None) -> None:
        """Record that a detach finished (Cinder's name): the attachment goes away and
        the volume is ``available`` unless another attachment remains."""
        _db().volume_detached(context, self.id, attachment_id)
        self._from_db_object(context, self, _db().volume_get(context.elevated(), self.id))


@ObjectRegistry.register
class VolumeList(ObjectListBase):
    OBJ_NAMESPACE = NAMESPACE
    VERSION = "1.0"
    fields = {"objects": fields.ListOfObjectsField("Volume")}

    @classmethod
    def _build(cls, context: Any, rows: list[Any]) -> VolumeList:
        result = cls(context)
        result.objects = [Volume._from_db_object(context, Volume(), r) for r in rows]
        result.obj_reset_changes()
        return result

    @remotable_classmethod
    def get_all(
        cls,
        context: Any,
        marker: str | None = None,
        limit: int | None = None,
        sort_keys: list[str] | None = None,
        sort_dirs: list[str] | None = None,
        filters: dict[str, Any] | None = None,
        offset: int | None = None,
    ) -> VolumeList:
        """Every project's volumes (admins; others still see only their own)."""
        rows = _db().volume_get_all(context, filters, marker, limit, sort_keys, sort_dirs, offset)
        return cls._build(context, rows)

    @remotable_classmethod
    def get_all_by_project(
        cls,
        context: Any,
        project_id: str,
        marker: str | None = None,
        limit: int | None = None,
        sort_keys: list[str] | None = None,
        sort_dirs: list[str] | None = None,
        filters: dict[str, Any] | None = None,
        offset: int | None = None,
    ) -> VolumeList:
        rows = _db().volume_get_all(
            context, filters, marker, limit, sort_keys, sort_dirs, offset, project_id
        )
        return cls._build(context, rows)

    @remotable_classmethod
    def get_all_by_host(cls, context: Any, host: str) -> VolumeList:
        return cls._build(context, _db().volume_get_all_by_host(context, host))

    @remotable_classmethod
    def get_volume_summary(cls, context: Any, project_only: bool) -> tuple[int, int]:
        project = context.project_id if project_only else None
        return _db().volume_summary(context, project)


__all__ = ["Volume", "VolumeList", "VersionedObject", "extract_host"]
