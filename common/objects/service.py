"""What Nova's and Cinder's ``Service`` objects share: a row of a services table.

Each service names its DB API module in ``DB_API``; the module is imported only inside
remotable bodies, so a process that forwards them to a conductor never loads it.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any, ClassVar

from common import exception
from common.objects import fields
from common.objects.base import (
    ObjectListBase,
    ObjectRegistry,
    VersionedObject,
    obj_make_list,
    remotable,
    remotable_classmethod,
)
from common.service import servicegroup

COMMON_SERVICE_FIELDS: dict[str, fields.Field] = {
    "id": fields.IntegerField(read_only=True),
    "uuid": fields.UUIDField(),
    "host": fields.StringField(nullable=True),
    "binary": fields.StringField(nullable=True),
    "topic": fields.StringField(nullable=True),
    "report_count": fields.IntegerField(default=0),
    "disabled": fields.BooleanField(default=False),
    "disabled_reason": fields.StringField(nullable=True),
    "created_at": fields.DateTimeField(nullable=True),
    "updated_at": fields.DateTimeField(nullable=True),
    "deleted_at": fields.DateTimeField(nullable=True),
    "deleted": fields.BooleanField(default=False),
}


class ServiceBase(VersionedObject):
    DB_API: ClassVar[str] = ""

    @classmethod
    def _db(cls) -> ModuleType:
        return importlib.import_module(cls.DB_API)

    @classmethod
    def _from_db_object(cls, context: Any, service: ServiceBase, row: Any) -> ServiceBase:
        for name, field in service.fields.items():
            value = getattr(row, name)
            if isinstance(field, fields.BooleanField) and value is not None:
                value = bool(value)
            setattr(service, name, value)
        service._context = context
        service.obj_reset_changes()
        return service

    @remotable_classmethod
    def get_by_id(cls, context: Any, service_id: int) -> ServiceBase:
        return cls._from_db_object(context, cls(), cls._db().service_get(context, service_id))

    @remotable_classmethod
    def get_by_uuid(cls, context: Any, service_uuid: str) -> ServiceBase:
        row = cls._db().service_get_by_uuid(context, service_uuid)
        return cls._from_db_object(context, cls(), row)

    @remotable_classmethod
    def get_by_host_and_binary(cls, context: Any, host: str, binary: str) -> ServiceBase:
        row = cls._db().service_get_by_host_and_binary(context, host, binary)
        return cls._from_db_object(context, cls(), row)

    @remotable
    def create(self, context: Any) -> None:
        if self.obj_attr_is_set("id"):
            raise exception.ObjectActionError(action="create", reason="already created")
        row = self._db().service_create(context, self.obj_get_changes())
        self._from_db_object(context, self, row)

    @remotable
    def save(self, context: Any) -> None:
        updates = self.obj_get_changes()
        updates.pop("id", None)
        if updates:
            row = self._db().service_update(context, self.id, updates)
            self._from_db_object(context, self, row)

    @remotable
    def destroy(self, context: Any) -> None:
        self._db().service_destroy(context, self.id)
        self.deleted = True
        self.obj_reset_changes()

    def is_up(self) -> bool:
        """Whether the last heartbeat is recent enough (``service_down_time``)."""
        return servicegroup.is_up(
            self._values.get("last_seen_up"),
            self.updated_at,
            self.created_at,
            self._values.get("forced_down", False),
        )


class ServiceListBase(ObjectListBase):
    DB_API: ClassVar[str] = ""

    @classmethod
    def _build(cls, context: Any, rows: list[Any]) -> ServiceListBase:
        item_cls = ObjectRegistry.get(cls.OBJ_NAMESPACE, "Service")
        return obj_make_list(context, cls(context), item_cls, rows)

    @remotable_classmethod
    def get_all(cls, context: Any, disabled: bool | None = None) -> ServiceListBase:
        db = importlib.import_module(cls.DB_API)
        return cls._build(context, db.service_get_all(context, disabled=disabled))

    @remotable_classmethod
    def get_by_binary(cls, context: Any, binary: str) -> ServiceListBase:
        db = importlib.import_module(cls.DB_API)
        return cls._build(context, db.service_get_all_by_binary(context, binary))

    @remotable_classmethod
    def get_by_topic(cls, context: Any, topic: str) -> ServiceListBase:
        db = importlib.import_module(cls.DB_API)
        return cls._build(context, db.service_get_all_by_topic(context, topic))
