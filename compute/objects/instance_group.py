"""Nova's ``InstanceGroup`` (a server group): a policy the scheduler applies to its
members.  ``hosts`` is derived: the hosts of the live members when the group was loaded.

Version history:
1.0 - initial: policy (2.64-style single policy) and rules
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
from compute.objects.base import db as _db
from compute.objects.base import set_from_row

POLICIES = ("affinity", "anti-affinity", "soft-affinity", "soft-anti-affinity")


@ObjectRegistry.register
class InstanceGroup(VersionedObject):
    OBJ_NAMESPACE = "compute"
    VERSION = "1.0"
    fields = {
        "id": fields.IntegerField(),
        "uuid": fields.UUIDField(),
        "name": fields.StringField(nullable=True),
        "user_id": fields.StringField(nullable=True),
        "project_id": fields.StringField(nullable=True),
        "policy": fields.EnumField(POLICIES, nullable=True),
        "rules": fields.DictField(default={}),
        "members": fields.ListOfStringsField(default=[]),
        "hosts": fields.ListOfStringsField(default=[]),
        "created_at": fields.DateTimeField(nullable=True),
        "updated_at": fields.DateTimeField(nullable=True),
        "deleted_at": fields.DateTimeField(nullable=True),
        "deleted": fields.BooleanField(default=False),
    }

    @classmethod
    def _from_db_object(cls, context: Any, group: InstanceGroup, row: Any) -> InstanceGroup:
        set_from_row(
            group, row, ["id", "uuid", "name", "user_id", "project_id", "created_at", "updated_at"]
        )
        group.deleted_at = None
        group.deleted = False
        for name in ("policy", "rules", "members", "hosts"):
            setattr(group, name, row.attached[name])
        group._context = context
        group.obj_reset_changes()
        return group

    @remotable_classmethod
    def get_by_uuid(cls, context: Any, uuid: str) -> InstanceGroup:
        """The group; another project's (for a non-admin) -> InstanceGroupNotFound."""
        return cls._from_db_object(context, cls(), _db().instance_group_get(context, uuid))

    @remotable_classmethod
    def get_by_name(cls, context: Any, name: str) -> InstanceGroup:
        return cls._from_db_object(context, cls(), _db().instance_group_get_by_name(context, name))

    @remotable_classmethod
    def get_by_instance_uuid(cls, context: Any, instance_uuid: str) -> InstanceGroup:
        row = _db().instance_group_get_by_instance(context, instance_uuid)
        return cls._from_db_object(context, cls(), row)

    @classmethod
    def get_by_hint(cls, context: Any, hint: str) -> InstanceGroup:
        """The ``group`` scheduler hint names a group by uuid (or, historically, name)."""
        try:
            return cls.get_by_uuid(context, hint)
        except (exception.InstanceGroupNotFound, ValueError):
            return cls.get_by_name(context, hint)

    @remotable
    def create(self, context: Any) -> None:
        if self.obj_attr_is_set("id"):
            raise exception.ObjectActionError(action="create", reason="already created")
        values = {
            n: getattr(self, n)
            for n in ("uuid", "name", "user_id", "project_id")
            if self.obj_attr_is_set(n)
        }
        row = _db().instance_group_create(
            context,
            values,
            policy=self.policy if self.obj_attr_is_set("policy") else None,
            rules=self.rules if self.obj_attr_is_set("rules") else None,
            members=self.members if self.obj_attr_is_set("members") else (),
        )
        self._from_db_object(context, self, row)

    @remotable
    def save(self, context: Any) -> None:
        """Write a new name and/or member list (policy and rules are set at creation)."""
        changed = self.obj_what_changed()
        values = {n: getattr(self, n) for n in ("name", "members") if n in changed}
        if values:
            row = _db().instance_group_update(context, self.uuid, values)
            self._from_db_object(context, self, row)

    @remotable
    def destroy(self, context: Any) -> None:
        _db().instance_group_delete(context, self.uuid)

    @remotable_classmethod
    def add_members(cls, context: Any, group_uuid: str, instance_uuids: list[str]) -> list[str]:
        """Add servers to the group; returns those that were not members yet."""
        return _db().instance_group_members_add(context, group_uuid, instance_uuids)

    @remotable
    def get_hosts(self, context: Any, exclude: list[str] | None = None) -> list[str]:
        """Hosts of the live members now (excluding the servers in ``exclude``)."""
        row = _db().instance_group_get(context.elevated(), self.uuid)
        if not exclude:
            return list(row.attached["hosts"])
        members = [m for m in row.attached["members"] if m not in exclude]
        if not members:
            return []
        from compute.objects.instance import InstanceList

        instances = InstanceList.get_by_filters(
            context.elevated(), {"uuid": members, "deleted": False}, expected_attrs=[]
        )
        return sorted({i.host for i in instances if i.host})


@ObjectRegistry.register
class InstanceGroupList(ObjectListBase):
    OBJ_NAMESPACE = "compute"
    VERSION = "1.0"
    fields = {"objects": fields.ListOfObjectsField("InstanceGroup")}

    @classmethod
    def _build(cls, context: Any, rows: list[Any]) -> InstanceGroupList:
        result = cls(context)
        result.objects = [InstanceGroup._from_db_object(context, InstanceGroup(), r) for r in rows]
        result.obj_reset_changes()
        return result

    @remotable_classmethod
    def get_by_project_id(cls, context: Any, project_id: str) -> InstanceGroupList:
        return cls._build(context, _db().instance_group_get_all(context, project_id))

    @remotable_classmethod
    def get_all(cls, context: Any) -> InstanceGroupList:
        """Every group the context may see (all of them for an admin)."""
        return cls._build(context, _db().instance_group_get_all(context))
