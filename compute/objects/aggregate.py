"""Nova's ``Aggregate``: a named set of hosts with metadata; an aggregate with an
``availability_zone`` key is how an availability zone exists.

Version history:
1.0 - initial
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

AZ_KEY = "availability_zone"


@ObjectRegistry.register
class Aggregate(VersionedObject):
    OBJ_NAMESPACE = "compute"
    VERSION = "1.0"
    fields = {
        "id": fields.IntegerField(),
        "uuid": fields.UUIDField(),
        "name": fields.StringField(),
        "hosts": fields.ListOfStringsField(default=[]),
        "metadata": fields.DictOfStringsField(default={}),
        "created_at": fields.DateTimeField(nullable=True),
        "updated_at": fields.DateTimeField(nullable=True),
        "deleted_at": fields.DateTimeField(nullable=True),
        "deleted": fields.BooleanField(default=False),
    }

    @property
    def availability_zone(self) -> str | None:
        return self.metadata.get(AZ_KEY)

    @classmethod
    def _from_db_object(cls, context: Any, aggregate: Aggregate, row: Any) -> Aggregate:
        set_from_row(aggregate, row, ["id", "uuid", "name", "created_at", "updated_at"])
        aggregate.deleted_at = None
        aggregate.deleted = False
        aggregate.hosts = row.attached["hosts"]
        aggregate.metadata = row.attached["metadata"]
        aggregate._context = context
        aggregate.obj_reset_changes()
        return aggregate

    @remotable_classmethod
    def get_by_id(cls, context: Any, aggregate_id: int) -> Aggregate:
        return cls._from_db_object(context, cls(), _db().aggregate_get(context, aggregate_id))

    @remotable_classmethod
    def get_by_uuid(cls, context: Any, aggregate_uuid: str) -> Aggregate:
        row = _db().aggregate_get_by_uuid(context, aggregate_uuid)
        return cls._from_db_object(context, cls(), row)

    @remotable
    def create(self, context: Any) -> None:
        if self.obj_attr_is_set("id"):
            raise exception.ObjectActionError(action="create", reason="already created")
        if self.obj_attr_is_set("hosts") and self.hosts:
            raise exception.ObjectActionError(action="create", reason="hosts are added later")
        values = {"name": self.name}
        if self.obj_attr_is_set("uuid"):
            values["uuid"] = self.uuid
        metadata = self.metadata if self.obj_attr_is_set("metadata") else None
        self._from_db_object(context, self, _db().aggregate_create(context, values, metadata))

    @remotable
    def save(self, context: Any) -> None:
        """Write a new name (hosts and metadata have their own calls)."""
        changed = self.obj_what_changed() - {"name"}
        if changed:
            raise exception.ObjectActionError(
                action="save", reason=f"hosts/metadata are changed by their calls: {changed}"
            )
        if "name" in self.obj_what_changed():
            row = _db().aggregate_update(context, self.id, {"name": self.name})
            self._from_db_object(context, self, row)

    @remotable
    def update_metadata(self, context: Any, updates: dict[str, Any]) -> None:
        """Merge ``updates`` into the metadata; a None value deletes that key."""
        row = _db().aggregate_metadata_update(context, self.id, updates)
        self._from_db_object(context, self, row)

    @remotable
    def add_host(self, context: Any, host: str) -> None:
        self._from_db_object(context, self, _db().aggregate_host_add(context, self.id, host))

    @remotable
    def delete_host(self, context: Any, host: str) -> None:
        self._from_db_object(context, self, _db().aggregate_host_delete(context, self.id, host))

    @remotable
    def destroy(self, context: Any) -> None:
        _db().aggregate_delete(context, self.id)


@ObjectRegistry.register
class AggregateList(ObjectListBase):
    OBJ_NAMESPACE = "compute"
    VERSION = "1.0"
    fields = {"objects": fields.ListOfObjectsField("Aggregate")}

    @classmethod
    def _build(cls, context: Any, rows: list[Any]) -> AggregateList:
        result = cls(context)
        result.objects = [Aggregate._from_db_object(context, Aggregate(), r) for r in rows]
        result.obj_reset_changes()
        return result

    @remotable_classmethod
    def get_all(cls, context: Any) -> AggregateList:
        return cls._build(context, _db().aggregate_get_all(context))

    @remotable_classmethod
    def get_by_host(cls, context: Any, host: str, key: str | None = None) -> AggregateList:
        """Aggregates holding ``host`` (and having metadata ``key`` when given)."""
        return cls._build(context, _db().aggregate_get_all(context, host=host, key=key))

    @remotable_classmethod
    def get_by_metadata_key(
        cls, context: Any, key: str, hosts: list[str] | None = None
    ) -> AggregateList:
        """Aggregates with metadata ``key`` (and holding one of ``hosts`` when given)."""
        result = cls._build(context, _db().aggregate_get_all(context, key=key))
        if hosts is not None:
            result.objects = [a for a in result.objects if set(a.hosts) & set(hosts)]
            result.obj_reset_changes()
        return result
