"""Nova's ``Instance`` (a server) and ``InstanceList``.

The flavor a server runs with is a copy (``flavor``; ``old_flavor``/``new_flavor`` while
resizing), kept as JSON in ``instance_extra``.  ``metadata`` and ``system_metadata`` are
dicts whose in-place changes are tracked.  ``save()`` is a compare-and-swap when given
``expected_task_state``/``expected_vm_state``: that is how two concurrent actions on a
server are told apart (one wins, the other gets ``UnexpectedTaskStateError``).

Version history:
1.0 - initial: Nova's instance fields, metadata, system_metadata, flavor, old_flavor,
      new_flavor, fault
"""

from __future__ import annotations

import json
from collections.abc import Iterable
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
from compute.objects.flavor import Flavor  # noqa: F401  (registers the nested type)
from compute.objects.instance_fault import InstanceFault

# Loaded with the server unless the caller asks for less (one bulk query each).
DEFAULT_ATTRS = ("metadata", "system_metadata", "flavor")
FLAVOR_FIELDS = ("flavor", "old_flavor", "new_flavor")
JOINED_FIELDS = ("metadata", "system_metadata", *FLAVOR_FIELDS, "fault")
INT_BOOL_COLUMNS = ("deleted", "cleaned")  # integers in the table, booleans here
NAME_TEMPLATE = "instance-%08x"


def _db_attrs(expected_attrs: Iterable[str] | None) -> list[str]:
    """Nova's expected_attrs names -> what the DB API loads (unknown names ignored)."""
    wanted = DEFAULT_ATTRS if expected_attrs is None else expected_attrs
    result = set()
    for name in wanted:
        if name in FLAVOR_FIELDS or name == "extra":
            result.add("flavor")
        elif name in ("metadata", "system_metadata", "fault"):
            result.add(name)
    return sorted(result)


def _flavor_primitive(flavor: Flavor | None) -> dict[str, Any] | None:
    if flavor is None:
        return None
    clean = flavor.obj_clone()
    clean.obj_reset_changes()
    return clean.obj_to_primitive()


@ObjectRegistry.register
class Instance(TrackedDictsMixin, VersionedObject):
    OBJ_NAMESPACE = "compute"
    VERSION = "1.0"
    TRACKED_DICTS = ("metadata", "system_metadata")
    fields = {
        "id": fields.IntegerField(),
        "uuid": fields.UUIDField(),
        "user_id": fields.StringField(nullable=True),
        "project_id": fields.StringField(nullable=True),
        "image_ref": fields.StringField(nullable=True),
        "kernel_id": fields.StringField(nullable=True),
        "ramdisk_id": fields.StringField(nullable=True),
        "hostname": fields.StringField(nullable=True),
        "display_name": fields.StringField(nullable=True),
        "display_description": fields.StringField(nullable=True),
        "launch_index": fields.IntegerField(nullable=True),
        "key_name": fields.StringField(nullable=True),
        "key_data": fields.StringField(nullable=True),
        "power_state": fields.IntegerField(nullable=True),
        "vm_state": fields.StringField(nullable=True),
        "task_state": fields.StringField(nullable=True),
        "memory_mb": fields.IntegerField(nullable=True),
        "vcpus": fields.IntegerField(nullable=True),
        "root_gb": fields.IntegerField(nullable=True),
        "ephemeral_gb": fields.IntegerField(nullable=True),
        "host": fields.StringField(nullable=True),
        "node": fields.StringField(nullable=True),
        "instance_type_id": fields.IntegerField(nullable=True),
        "user_data": fields.StringField(nullable=True),
        "reservation_id": fields.StringField(nullable=True),
        "launched_at": fields.DateTimeField(nullable=True),
        "terminated_at": fields.DateTimeField(nullable=True),
        "availability_zone": fields.StringField(nullable=True),
        "locked": fields.BooleanField(default=False),
        "locked_by": fields.EnumField(("owner", "admin"), nullable=True),
        "os_type": fields.StringField(nullable=True),
        "architecture": fields.StringField(nullable=True),
        "vm_mode": fields.StringField(nullable=True),
        "root_device_name": fields.StringField(nullable=True),
        "config_drive": fields.StringField(nullable=True),
        "access_ip_v4": fields.StringField(nullable=True),
        "access_ip_v6": fields.StringField(nullable=True),
        "progress": fields.IntegerField(nullable=True),
        "cleaned": fields.BooleanField(default=False),
        "created_at": fields.DateTimeField(nullable=True),
        "updated_at": fields.DateTimeField(nullable=True),
        "deleted_at": fields.DateTimeField(nullable=True),
        "deleted": fields.BooleanField(default=False),
        "metadata": fields.DictOfStringsField(default={}),
        "system_metadata": fields.DictOfStringsField(default={}),
        "flavor": fields.ObjectField("Flavor"),
        "old_flavor": fields.ObjectField("Flavor", nullable=True),
        "new_flavor": fields.ObjectField("Flavor", nullable=True),
        "fault": fields.ObjectField("InstanceFault", nullable=True),
    }
    COLUMN_FIELDS = tuple(n for n in fields if n not in JOINED_FIELDS)

    @property
    def name(self) -> str:
        """The hypervisor-side name (Nova's default ``instance_name_template``)."""
        return NAME_TEMPLATE % self.id

    # -- rows <-> object ---------------------------------------------------------------------
    @classmethod
    def _from_db_object(
        cls,
        context: Any,
        instance: Instance,
        row: Any,
        expected_attrs: Iterable[str] | None = None,
    ) -> Instance:
        set_from_row(instance, row, list(cls.COLUMN_FIELDS))
        attached = getattr(row, "attached", {}) or {}
        for name in ("metadata", "system_metadata"):
            if name in attached:
                setattr(instance, name, attached[name])
        if "extra" in attached:
            blob = json.loads((attached["extra"] and attached["extra"].flavor) or "{}")
            for name, key in (("flavor", "cur"), ("old_flavor", "old"), ("new_flavor", "new")):
                primitive = blob.get(key)
                loaded = (
                    VersionedObject.obj_from_primitive(primitive, context) if primitive else None
                )
                if loaded is not None or name != "flavor":
                    setattr(instance, name, loaded)
        if "fault" in attached:
            fault_row = attached["fault"]
            instance.fault = (
                InstanceFault._from_db_object(context, InstanceFault(), fault_row)
                if fault_row is not None
                else None
            )
        instance._context = context
        instance.obj_reset_changes()
        for name in FLAVOR_FIELDS:
            nested = instance._values.get(name)
            if nested is not None:
                nested.obj_reset_changes()
        return instance

    def _column_values(self, names: Iterable[str]) -> dict[str, Any]:
        values = {}
        for name in names:
            value = getattr(self, name)
            if name in INT_BOOL_COLUMNS:
                value = self.id if value and name == "deleted" else int(bool(value))
            values[name] = value
        return values

    def _flavor_blob(self) -> str:
        return json.dumps(
            {
                "cur": _flavor_primitive(self._values.get("flavor")),
                "old": _flavor_primitive(self._values.get("old_flavor")),
                "new": _flavor_primitive(self._values.get("new_flavor")),
            }
        )

    def _create_values(self) -> dict[str, Any]:
        """Column values for the INSERT, sizes defaulted from the flavor as Nova's API
        copies them."""
        if self.obj_attr_is_set("id"):
            raise exception.ObjectActionError(action="create", reason="already created")
        self.obj_set_defaults("locked", "cleaned", "deleted", "metadata", "system_metadata")
        flavor = self._values.get("flavor")
        if flavor is not None:
            for name in ("memory_mb", "vcpus", "root_gb", "ephemeral_gb"):
                if self._values.get(name) is None:
                    setattr(self, name, getattr(flavor, name))
            if self._values.get("instance_type_id") is None and flavor.obj_attr_is_set("id"):
                self.instance_type_id = flavor.id
        names = [n for n in self.COLUMN_FIELDS if n != "id" and self.obj_attr_is_set(n)]
        values = self._column_values(names)
        values["deleted"] = 0
        values["metadata"] = dict(self.metadata)
        values["system_metadata"] = dict(self.system_metadata)
        values["extra"] = {"flavor": self._flavor_blob()}
        return values

    def obj_load_attr(self, name: str) -> None:
        if name not in JOINED_FIELDS or not self.obj_attr_is_set("uuid"):
            super().obj_load_attr(name)
        if self._context is None:
            raise exception.OrphanedObjectError(method="obj_load_attr", objtype="Instance")
        if name == "fault":
            self.fault = InstanceFault.get_latest_for_instance(self._context, self.uuid)
        else:
            ctxt = self._context.elevated(read_deleted="yes")
            loaded = Instance.get_by_uuid(ctxt, self.uuid, expected_attrs=[name])
            loaded_names = FLAVOR_FIELDS if name in FLAVOR_FIELDS else (name,)
            for loaded_name in loaded_names:
                if loaded.obj_attr_is_set(loaded_name):
                    setattr(self, loaded_name, getattr(loaded, loaded_name))
                elif loaded_name != "flavor":
                    setattr(self, loaded_name, None)
            self.obj_reset_changes(list(loaded_names))
            return
        self.obj_reset_changes([name])

    # -- remotables --------------------------------------------------------------------------
    @remotable_classmethod
    def get_by_uuid(
        cls, context: Any, uuid: str, expected_attrs: list[str] | None = None
    ) -> Instance:
        """The server; ``expected_attrs`` (default metadata, system_metadata, flavor)
        also loads ``fault`` when named.  A non-admin context sees only its project's."""
        row = _db().instance_get_by_uuid(context, uuid, _db_attrs(expected_attrs))
        return cls._from_db_object(context, cls(), row)

    @remotable_classmethod
    def get_by_id(cls, context: Any, id: int, expected_attrs: list[str] | None = None) -> Instance:
        row = _db().instance_get(context, id, _db_attrs(expected_attrs))
        return cls._from_db_object(context, cls(), row)

    @remotable
    def create(self, context: Any) -> None:
        """Insert the server; project and user default to the context's."""
        for name in ("project_id", "user_id"):
            if not self.obj_attr_is_set(name):
                setattr(self, name, getattr(context, name))
        row = _db().instance_create(context, self._create_values())
        self._from_db_object(context, self, row)

    @remotable_classmethod
    def create_many_with_quota(
        cls,
        context: Any,
        instances: list[Instance],
        project_id: str | None = None,
        user_id: str | None = None,
        min_count: int | None = None,
    ) -> InstanceList:
        """Create servers only if the project's quota has room, counting and inserting in
        one locked transaction (``compute.quota`` explains why).  Creates as many as fit
        when that is at least ``min_count`` (default: all); else ``TooManyInstances``.
        Returns the created servers; locally these are the objects passed in."""
        project_id = project_id or context.project_id
        user_id = user_id or context.user_id
        for instance in instances:
            if not instance.obj_attr_is_set("project_id"):
                instance.project_id = project_id
            if not instance.obj_attr_is_set("user_id"):
                instance.user_id = user_id
        values_list = [instance._create_values() for instance in instances]
        rows = _db().instance_create_many_with_quota(
            context, values_list, project_id, user_id, min_count
        )
        created = [
            cls._from_db_object(context, instance, row)
            for instance, row in zip(instances, rows, strict=False)
        ]
        result = InstanceList(context)
        result.objects = created
        result.obj_reset_changes()
        return result

    @remotable
    def save(
        self,
        context: Any,
        expected_vm_state: Any = None,
        expected_task_state: Any = None,
    ) -> None:
        """Write what changed.  ``expected_task_state``/``expected_vm_state`` (a value or
        a list; use ``[None]`` to expect no task) must still hold in the database, or
        nothing is written and ``UnexpectedTaskStateError`` /
        ``UnexpectedDeletingTaskStateError`` / ``UnexpectedVMStateError`` is raised."""
        changed = self.obj_what_changed()
        columns = [n for n in changed if n in self.COLUMN_FIELDS and n not in ("id", "uuid")]
        updates = self._column_values(columns)
        for name in ("metadata", "system_metadata"):
            if name in changed:
                updates[name] = dict(getattr(self, name))
        if changed & set(FLAVOR_FIELDS):
            updates["extra"] = {"flavor": self._flavor_blob()}
        expected = {}
        if expected_task_state is not None:
            expected["task_state"] = expected_task_state
        if expected_vm_state is not None:
            expected["vm_state"] = expected_vm_state
        if not updates and not expected:
            return
        row = _db().instance_update(context, self.uuid, updates, expected)
        set_from_row(self, row, list(self.COLUMN_FIELDS))
        self.obj_reset_changes()
        for name in FLAVOR_FIELDS:
            nested = self._values.get(name)
            if nested is not None:
                nested.obj_reset_changes()

    @remotable
    def destroy(self, context: Any) -> None:
        """Soft-delete the server; refused (``ObjectActionError``) if it moved to another
        host since it was loaded."""
        if not self.obj_attr_is_set("id"):
            raise exception.ObjectActionError(action="destroy", reason="already destroyed")
        constraint = [self.host] if self.obj_attr_is_set("host") else None
        row = _db().instance_destroy(context, self.uuid, constraint)
        set_from_row(self, row, ["deleted", "deleted_at", "updated_at"])
        self.obj_reset_changes()

    @remotable
    def refresh(self, context: Any) -> None:
        """Reload every loaded field from the database (deleted servers included)."""
        loaded = [n for n in JOINED_FIELDS if self.obj_attr_is_set(n)]
        current = Instance.get_by_uuid(
            context.elevated(read_deleted="yes"), self.uuid, expected_attrs=loaded
        )
        for name in self.fields:
            if current.obj_attr_is_set(name) and (
                not self.obj_attr_is_set(name) or getattr(self, name) != getattr(current, name)
            ):
                setattr(self, name, getattr(current, name))
        self.obj_reset_changes()


@ObjectRegistry.register
class InstanceList(ObjectListBase):
    OBJ_NAMESPACE = "compute"
    VERSION = "1.0"
    fields = {"objects": fields.ListOfObjectsField("Instance")}

    @classmethod
    def _build(cls, context: Any, rows: list[Any]) -> InstanceList:
        result = cls(context)
        result.objects = [Instance._from_db_object(context, Instance(), row) for row in rows]
        result.obj_reset_changes()
        return result

    @remotable_classmethod
    def get_by_filters(
        cls,
        context: Any,
        filters: dict[str, Any] | None = None,
        sort_keys: list[str] | str | None = None,
        sort_dirs: list[str] | str | None = None,
        limit: int | None = None,
        marker: str | None = None,
        expected_attrs: list[str] | None = None,
        sort_key: str | None = None,
        sort_dir: str | None = None,
    ) -> InstanceList:
        """A page of servers matching Nova's filters (see
        ``compute.db.instance_api.instance_get_all_by_filters``), sorted by
        ``sort_keys``/``sort_dirs`` (or Nova's older single ``sort_key``/``sort_dir``;
        default created_at desc, id desc), after the server ``marker`` (a uuid)."""
        keys = [sort_keys] if isinstance(sort_keys, str) else sort_keys
        dirs = [sort_dirs] if isinstance(sort_dirs, str) else sort_dirs
        if keys is None and sort_key is not None:
            keys, dirs = [sort_key], [sort_dir or "desc"]
        rows = _db().instance_get_all_by_filters(
            context, filters or {}, keys, dirs, limit, marker, _db_attrs(expected_attrs)
        )
        return cls._build(context, rows)

    @remotable_classmethod
    def get_by_host(
        cls, context: Any, host: str, expected_attrs: list[str] | None = None
    ) -> InstanceList:
        rows = _db().instance_get_all_by_host(context, host, None, _db_attrs(expected_attrs))
        return cls._build(context, rows)

    @remotable_classmethod
    def get_by_host_and_node(
        cls, context: Any, host: str, node: str, expected_attrs: list[str] | None = None
    ) -> InstanceList:
        rows = _db().instance_get_all_by_host(context, host, node, _db_attrs(expected_attrs))
        return cls._build(context, rows)
