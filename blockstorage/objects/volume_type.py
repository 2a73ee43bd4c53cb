"""Cinder's ``VolumeType``: a class of volumes, whose extra specs the scheduler matches
against backend capabilities; private types list the projects that may use them.

Version history:
1.0 - initial: id, name, description, is_public, qos_specs_id, extra_specs, projects
"""

from __future__ import annotations

from typing import Any

from blockstorage import exception
from blockstorage.objects.base import NAMESPACE, DictSnapshotMixin, set_from_row
from blockstorage.objects.base import db as _db
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
    "name",
    "description",
    "is_public",
    "qos_specs_id",
    "created_at",
    "updated_at",
    "deleted_at",
    "deleted",
)


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


@ObjectRegistry.register
class VolumeType(DictSnapshotMixin, VersionedObject):
    OBJ_NAMESPACE = NAMESPACE
    VERSION = "1.0"
    DICT_FIELDS = ("extra_specs",)
    fields = {
        "id": fields.UUIDField(),
        "name": fields.StringField(nullable=True),
        "description": fields.StringField(nullable=True),
        "is_public": fields.BooleanField(default=True),
        "qos_specs_id": fields.StringField(nullable=True),
        "extra_specs": fields.DictOfStringsField(default={}),
        "projects": fields.ListOfStringsField(default=[]),
        "created_at": fields.DateTimeField(nullable=True),
        "updated_at": fields.DateTimeField(nullable=True),
        "deleted_at": fields.DateTimeField(nullable=True),
        "deleted": fields.BooleanField(default=False),
    }

    @classmethod
    def _from_db_object(cls, context: Any, vtype: VolumeType, row: Any) -> VolumeType:
        set_from_row(vtype, row, list(COLUMN_FIELDS))
        attached = getattr(row, "attached", {}) or {}
        vtype.extra_specs = attached.get("extra_specs", {})
        vtype.projects = attached.get("projects", [])
        vtype._context = context
        vtype.obj_reset_changes()
        return vtype

    @remotable_classmethod
    def get_by_id(cls, context: Any, id: str) -> VolumeType:
        return cls._from_db_object(context, cls(), _db().volume_type_get(context, id))

    @remotable_classmethod
    def get_by_name(cls, context: Any, name: str) -> VolumeType:
        return cls._from_db_object(context, cls(), _db().volume_type_get_by_name(context, name))

    @classmethod
    def get_by_name_or_id(cls, context: Any, identity: str) -> VolumeType:
        """By id when ``identity`` looks like a uuid and such a type exists, else by name
        (``VolumeTypeNotFoundByName``), as Cinder resolves ``volume_type``."""
        if _is_uuid(identity):
            try:
                return cls.get_by_id(context, identity)
            except exception.VolumeTypeNotFound:
                pass
        return cls.get_by_name(context, identity)

    @remotable
    def create(self, context: Any) -> None:
        if self.obj_attr_is_set("created_at"):
            raise exception.NovellaException(message="VolumeType already created")
        self.obj_set_defaults("is_public", "extra_specs", "projects")
        values = {n: getattr(self, n) for n in COLUMN_FIELDS if self.obj_attr_is_set(n)}
        row = _db().volume_type_create(context, values, dict(self.extra_specs), list(self.projects))
        self._from_db_object(context, self, row)

    @remotable
    def save(self, context: Any) -> None:
        """Write name/description/is_public and the extra specs that were added or
        changed (removal is ``delete_extra_spec``)."""
        updates = self.obj_get_changes()
        specs = updates.pop("extra_specs", None)
        updates.pop("projects", None)
        db = _db()
        if specs:
            db.volume_type_extra_specs_update_or_create(context, self.id, specs)
        values = {k: v for k, v in updates.items() if k in ("name", "description", "is_public")}
        row = (
            db.volume_type_update(context, self.id, values)
            if values
            else db.volume_type_get(context.elevated(), self.id)
        )
        self._from_db_object(context, self, row)

    @remotable
    def delete_extra_spec(self, context: Any, key: str) -> None:
        _db().volume_type_extra_specs_delete(context, self.id, key)
        self.extra_specs = {k: v for k, v in self.extra_specs.items() if k != key}
        self.obj_reset_changes(["extra_specs"])

    @remotable
    def destroy(self, context: Any) -> None:
        _db().volume_type_destroy(context, self.id)
        self.deleted = True
        self.obj_reset_changes()

    @remotable
    def add_project(self, context: Any, project_id: str) -> None:
        _db().volume_type_access_add(context, self.id, project_id)
        self.projects = [*self.projects, project_id]
        self.obj_reset_changes(["projects"])

    @remotable
    def remove_project(self, context: Any, project_id: str) -> None:
        _db().volume_type_access_remove(context, self.id, project_id)
        self.projects = [p for p in self.projects if p != project_id]
        self.obj_reset_changes(["projects"])


@ObjectRegistry.register
class VolumeTypeList(ObjectListBase):
    OBJ_NAMESPACE = NAMESPACE
    VERSION = "1.0"
    fields = {"objects": fields.ListOfObjectsField("VolumeType")}

    @remotable_classmethod
    def get_all(
        cls,
        context: Any,
        inactive: bool = False,
        filters: dict[str, Any] | None = None,
        marker: str | None = None,
        limit: int | None = None,
        sort_keys: list[str] | None = None,
        sort_dirs: list[str] | None = None,
        offset: int | None = None,
    ) -> VolumeTypeList:
        rows = _db().volume_type_get_all(
            context, filters, marker, limit, sort_keys, sort_dirs, offset
        )
        result = cls(context)
        result.objects = [VolumeType._from_db_object(context, VolumeType(), r) for r in rows]
        result.obj_reset_changes()
        return result
