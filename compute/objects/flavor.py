"""Nova's ``Flavor``: a size of server, with extra specs and, when private, the projects
allowed to use it.  A server keeps its own copy (``Instance.flavor``), so changing or
deleting a flavor never changes running servers.

Version history:
1.0 - initial: Nova's flavor fields, extra_specs, projects
"""

from __future__ import annotations

from typing import Any

from common.objects import (
    ObjectListBase,
    ObjectRegistry,
    VersionedObject,
    fields,
    remotable,
    remotable_classmethod,
)
from compute import exception
from compute.objects.base import TrackedDictsMixin, set_from_row
from compute.objects.base import db as _db

# Nova lets only these change after creation; extra specs and access have their calls.
MUTABLE = frozenset({"description", "extra_specs", "projects"})


@ObjectRegistry.register
class Flavor(TrackedDictsMixin, VersionedObject):
    OBJ_NAMESPACE = "compute"
    VERSION = "1.0"
    TRACKED_DICTS = ("extra_specs",)
    fields = {
        "id": fields.IntegerField(),
        "name": fields.StringField(nullable=True),
        "memory_mb": fields.IntegerField(),
        "vcpus": fields.IntegerField(),
        "root_gb": fields.IntegerField(default=0),
        "ephemeral_gb": fields.IntegerField(default=0),
        "flavorid": fields.StringField(),
        "swap": fields.IntegerField(default=0),
        "rxtx_factor": fields.FloatField(nullable=True, default=1.0),
        "vcpu_weight": fields.IntegerField(nullable=True),
        "disabled": fields.BooleanField(default=False),
        "is_public": fields.BooleanField(default=True),
        "description": fields.StringField(nullable=True),
        "extra_specs": fields.DictOfStringsField(default={}),
        "projects": fields.ListOfStringsField(default=[]),
    }

    @classmethod
    def _from_db_object(cls, context: Any, flavor: Flavor, row: Any) -> Flavor:
        columns = [n for n in cls.fields if n not in ("extra_specs", "projects")]
        set_from_row(flavor, row, columns)
        attached = getattr(row, "attached", {})
        flavor.extra_specs = attached.get("extra_specs", {})
        flavor.projects = attached.get("projects", [])
        flavor._context = context
        flavor.obj_reset_changes()
        return flavor

    def obj_load_attr(self, name: str) -> None:
        if name not in ("extra_specs", "projects") or not self.obj_attr_is_set("flavorid"):
            super().obj_load_attr(name)
        if self._context is None:
            raise exception.ObjectActionError(action="obj_load_attr", reason="no context")
        loaded = Flavor.get_by_flavor_id(self._context.elevated(), self.flavorid)
        setattr(self, name, getattr(loaded, name))
        self.obj_reset_changes([name])

    @remotable_classmethod
    def get_by_id(cls, context: Any, id: int) -> Flavor:
        return cls._from_db_object(context, cls(), _db().flavor_get(context, id))

    @remotable_classmethod
    def get_by_flavor_id(
        cls, context: Any, flavorid: str, read_deleted: str | None = None
    ) -> Flavor:
        return cls._from_db_object(context, cls(), _db().flavor_get_by_flavor_id(context, flavorid))

    @remotable_classmethod
    def get_by_name(cls, context: Any, name: str) -> Flavor:
        return cls._from_db_object(context, cls(), _db().flavor_get_by_name(context, name))

    @remotable
    def create(self, context: Any) -> None:
        if self.obj_attr_is_set("id"):
            raise exception.ObjectActionError(action="create", reason="already created")
        self.obj_set_defaults()
        values = self.obj_get_changes()
        extra_specs = values.pop("extra_specs", None)
        projects = values.pop("projects", None)
        row = _db().flavor_create(context, values, extra_specs, projects)
        self._from_db_object(context, self, row)

    @remotable
    def save(self, context: Any) -> None:
        """Write ``description`` and the extra specs (the whole dict), and add/remove
        the projects that changed; other fields are read-only after creation."""
        updates = self.obj_get_changes()
        read_only = set(updates) - MUTABLE
        if read_only:
            raise exception.ObjectActionError(
                action="save", reason=f"read-only fields were changed: {sorted(read_only)}"
            )
        projects = updates.pop("projects", None)
        extra_specs = updates.pop("extra_specs", None)
        db = _db()
        if projects is not None:
            current = set(db.flavor_get(context.elevated(), self.id).attached["projects"])
            for project_id in sorted(set(projects) - current):
                db.flavor_access_add(context, self.id, project_id)
            for project_id in sorted(current - set(projects)):
                db.flavor_access_remove(context, self.id, project_id)
        row = db.flavor_update(context, self.id, updates, extra_specs)
        self._from_db_object(context, self, row)

    @remotable
    def destroy(self, context: Any) -> None:
        _db().flavor_destroy(context, self.id)

    @remotable
    def add_access(self, context: Any, project_id: str) -> None:
        self.projects = _db().flavor_access_add(context, self.id, project_id)
        self.obj_reset_changes(["projects"])

    @remotable
    def remove_access(self, context: Any, project_id: str) -> None:
        self.projects = _db().flavor_access_remove(context, self.id, project_id)
        self.obj_reset_changes(["projects"])


@ObjectRegistry.register
class FlavorList(ObjectListBase):
    OBJ_NAMESPACE = "compute"
    VERSION = "1.0"
    fields = {"objects": fields.ListOfObjectsField("Flavor")}

    @remotable_classmethod
    def get_all(
        cls,
        context: Any,
        inactive: bool = False,
        filters: dict[str, Any] | None = None,
        sort_key: str = "flavorid",
        sort_dir: str = "asc",
        limit: int | None = None,
        marker: str | None = None,
    ) -> FlavorList:
        """Flavors the context may see (private ones only with access).  ``inactive`` is
        accepted for Nova's signature: flavors are deleted outright, never inactive."""
        rows = _db().flavor_get_all(context, filters, sort_key, sort_dir, limit, marker)
        result = cls(context)
        result.objects = [Flavor._from_db_object(context, Flavor(), row) for row in rows]
        result.obj_reset_changes()
        return result
