"""Nova's ``InstanceFault``: why a server went to ERROR (shown as the server's ``fault``).

Version history:
1.0 - initial
"""

from __future__ import annotations

import traceback
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


@ObjectRegistry.register
class InstanceFault(VersionedObject):
    OBJ_NAMESPACE = "compute"
    VERSION = "1.0"
    fields = {
        "id": fields.IntegerField(),
        "instance_uuid": fields.UUIDField(),
        "code": fields.IntegerField(),
        "message": fields.StringField(nullable=True),
        "details": fields.StringField(nullable=True),
        "host": fields.StringField(nullable=True),
        "created_at": fields.DateTimeField(nullable=True),
        "updated_at": fields.DateTimeField(nullable=True),
        "deleted_at": fields.DateTimeField(nullable=True),
        "deleted": fields.BooleanField(default=False),
    }

    @classmethod
    def _from_db_object(cls, context: Any, fault: InstanceFault, row: Any) -> InstanceFault:
        set_from_row(fault, row)
        fault._context = context
        fault.obj_reset_changes()
        return fault

    @classmethod
    def from_exception(
        cls, context: Any, instance_uuid: str, error: BaseException, host: str | None = None
    ) -> InstanceFault:
        """A fault describing ``error`` (not yet created): its code (500 unless the
        exception carries one), message and traceback, as Nova records them."""
        code = getattr(error, "code", 500)
        message = (
            error.format_message()
            if hasattr(error, "format_message")
            else (str(error) or type(error).__name__)
        )
        details = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        return cls(
            context,
            instance_uuid=instance_uuid,
            code=code if isinstance(code, int) else 500,
            message=message,
            details=details,
            host=host,
        )

    @remotable_classmethod
    def get_latest_for_instance(cls, context: Any, instance_uuid: str) -> InstanceFault | None:
        faults = _db().instance_fault_get_by_instance_uuids(context, [instance_uuid], latest=True)
        rows = faults.get(instance_uuid) or []
        return cls._from_db_object(context, cls(), rows[0]) if rows else None

    @remotable
    def create(self, context: Any) -> None:
        if self.obj_attr_is_set("id"):
            raise exception.ObjectActionError(action="create", reason="already created")
        values = {
            name: getattr(self, name)
            for name in ("instance_uuid", "code", "message", "details", "host")
            if self.obj_attr_is_set(name)
        }
        self._from_db_object(context, self, _db().instance_fault_create(context, values))


@ObjectRegistry.register
class InstanceFaultList(ObjectListBase):
    OBJ_NAMESPACE = "compute"
    VERSION = "1.0"
    fields = {"objects": fields.ListOfObjectsField("InstanceFault")}

    @remotable_classmethod
    def get_by_instance_uuids(
        cls, context: Any, instance_uuids: list[str], latest: bool = False
    ) -> InstanceFaultList:
        """Faults of the servers, newest first per server (only the newest: ``latest``)."""
        found = _db().instance_fault_get_by_instance_uuids(context, instance_uuids, latest)
        result = cls(context)
        result.objects = [
            InstanceFault._from_db_object(context, InstanceFault(), row)
            for rows in found.values()
            for row in rows
        ]
        result.obj_reset_changes()
        return result
