"""The ``Service`` object: one row of Nova's services table.

Version history:
1.0 - initial: id, uuid, host, binary, topic, report_count, disabled, disabled_reason,
      last_seen_up, forced_down, version, timestamps
"""

from __future__ import annotations

from typing import Any

from common.objects import ObjectListBase, ObjectRegistry, VersionedObject, obj_make_list
from common.objects import fields
from common.objects import remotable, remotable_classmethod
from common.service import servicegroup

_TIMESTAMPS = ("created_at", "updated_at", "deleted_at")


def _db() -> Any:
    """The DB API, imported only when a remotable method actually runs here.

    Processes that reach the database through the conductor never execute these bodies,
    so they never import SQLAlchemy or the models.
    """
    from compute.db import api

    return api


class ComputeObject(VersionedObject):
    OBJ_NAMESPACE = "compute"


@ObjectRegistry.register
class Service(ComputeObject):
    VERSION = "1.0"
    fields = {
        "id": fields.IntegerField(read_only=True),
        "uuid": fields.UUIDField(),
        "host": fields.StringField(nullable=True),
        "binary": fields.StringField(nullable=True),
        "topic": fields.StringField(nullable=True),
        "report_count": fields.IntegerField(default=0),
        "disabled": fields.BooleanField(default=False),
        "disabled_reason": fields.StringField(nullable=True),
        "last_seen_up": fields.DateTimeField(nullable=True),
        "forced_down": fields.BooleanField(default=False),
        "version": fields.IntegerField(default=0),
        "created_at": fields.DateTimeField(nullable=True),
        "updated_at": fields.DateTimeField(nullable=True),
        "deleted_at": fields.DateTimeField(nullable=True),
        "deleted": fields.BooleanField(default=False),
    }

    @staticmethod
    def _from_db_object(context: Any, service: Service, row: Any) -> Service:
        for name in service.fields:
            value = getattr(row, name)
            if name == "deleted":
                value = bool(value)
            setattr(service, name, value)
        service._context = context
        service.obj_reset_changes()
        return service

    @remotable_classmethod
    def get_by_id(cls, context: Any, service_id: int) -> Service:
        return cls._from_db_object(context, cls(), _db().service_get(context, service_id))

    @remotable_classmethod
    def get_by_uuid(cls, context: Any, service_uuid: str) -> Service:
        return cls._from_db_object(context, cls(), _db().service_get_by_uuid(context, service_uuid))

    @remotable_classmethod
    def get_by_host_and_binary(cls, context: Any, host: str, binary: str) -> Service:
        row = _db().service_get_by_host_and_binary(context, host, binary)
        return cls._from_db_object(context, cls(), row)

    @remotable
    def create(self, context: Any) -> None:
        if self.obj_attr_is_set("id"):
            from common import exception

            raise exception.ObjectActionError(action="create", reason="already created")
        row = _db().service_create(context, self.obj_get_changes())
        self._from_db_object(context, self, row)

    @remotable
    def save(self, context: Any) -> None:
        updates = self.obj_get_changes()
        updates.pop("id", None)
        if updates:
            row = _db().service_update(context, self.id, updates)
            self._from_db_object(context, self, row)

    @remotable
    def destroy(self, context: Any) -> None:
        _db().service_destroy(context, self.id)
        self.deleted = True
        self.obj_reset_changes()

    def is_up(self) -> bool:
        """Whether the last heartbeat is recent enough (``service_down_time``)."""
        return servicegroup.is_up(
            self.last_seen_up, self.updated_at, self.created_at, self.forced_down
        )


@ObjectRegistry.register
class ServiceList(ObjectListBase, ComputeObject):
    VERSION = "1.0"
    fields = {"objects": fields.ListOfObjectsField("Service")}

    @remotable_classmethod
    def get_all(cls, context: Any, disabled: bool | None = None) -> ServiceList:
        rows = _db().service_get_all(context, disabled=disabled)
        return obj_make_list(context, cls(context), Service, rows)

    @remotable_classmethod
    def get_by_binary(cls, context: Any, binary: str) -> ServiceList:
        rows = _db().service_get_all_by_binary(context, binary)
        return obj_make_list(context, cls(context), Service, rows)

    @remotable_classmethod
    def get_by_topic(cls, context: Any, topic: str) -> ServiceList:
        rows = _db().service_get_all_by_topic(context, topic)
        return obj_make_list(context, cls(context), Service, rows)
