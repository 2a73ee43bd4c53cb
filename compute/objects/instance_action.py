"""Nova's ``InstanceAction`` and ``InstanceActionEvent`` (``os-instance-actions``): who
asked for what on a server under which request id, and how each step went.

Version history:
1.0 - initial
"""

from __future__ import annotations

import datetime as dt
import traceback as tb
from typing import Any

from common.objects import (
    ObjectListBase,
    ObjectRegistry,
    VersionedObject,
    fields,
    remotable,
    remotable_classmethod,
)
from compute.objects.base import db as _db
from compute.objects.base import set_from_row


def utcnow() -> dt.datetime:
    """Naive UTC, as the tables store it (without importing the DB layer)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


TIMESTAMPS = {
    "created_at": fields.DateTimeField(nullable=True),
    "updated_at": fields.DateTimeField(nullable=True),
    "deleted_at": fields.DateTimeField(nullable=True),
    "deleted": fields.BooleanField(default=False),
}


@ObjectRegistry.register
class InstanceAction(VersionedObject):
    OBJ_NAMESPACE = "compute"
    VERSION = "1.0"
    fields = {
        "id": fields.IntegerField(),
        "action": fields.StringField(nullable=True),
        "instance_uuid": fields.UUIDField(nullable=True),
        "request_id": fields.StringField(nullable=True),
        "user_id": fields.StringField(nullable=True),
        "project_id": fields.StringField(nullable=True),
        "start_time": fields.DateTimeField(nullable=True),
        "finish_time": fields.DateTimeField(nullable=True),
        "message": fields.StringField(nullable=True),
        **TIMESTAMPS,
    }

    @classmethod
    def _from_db_object(cls, context: Any, action: InstanceAction, row: Any) -> InstanceAction:
        set_from_row(action, row)
        action._context = context
        action.obj_reset_changes()
        return action

    @staticmethod
    def pack_action_start(context: Any, instance_uuid: str, action_name: str) -> dict[str, Any]:
        return {
            "request_id": context.request_id,
            "user_id": context.user_id,
            "project_id": context.project_id,
            "instance_uuid": instance_uuid,
            "action": action_name,
            "start_time": utcnow(),
        }

    @remotable_classmethod
    def get_by_request_id(cls, context: Any, instance_uuid: str, request_id: str) -> InstanceAction:
        row = _db().action_get_by_request_id(context, instance_uuid, request_id)
        return cls._from_db_object(context, cls(), row)

    @remotable_classmethod
    def action_start(
        cls, context: Any, instance_uuid: str, action_name: str, want_result: bool = True
    ) -> InstanceAction | None:
        """Record that the context's request starts ``action_name`` on the server."""
        values = cls.pack_action_start(context, instance_uuid, action_name)
        row = _db().action_start(context, values)
        return cls._from_db_object(context, cls(), row) if want_result else None

    @remotable_classmethod
    def action_finish(
        cls, context: Any, instance_uuid: str, want_result: bool = True
    ) -> InstanceAction | None:
        values = {
            "request_id": context.request_id,
            "instance_uuid": instance_uuid,
            "finish_time": utcnow(),
        }
        row = _db().action_finish(context, values)
        return cls._from_db_object(context, cls(), row) if want_result else None

    @remotable
    def finish(self, context: Any) -> None:
        values = {
            "request_id": self.request_id,
            "instance_uuid": self.instance_uuid,
            "finish_time": utcnow(),
        }
        self._from_db_object(context, self, _db().action_finish(context, values))


@ObjectRegistry.register
class InstanceActionList(ObjectListBase):
    OBJ_NAMESPACE = "compute"
    VERSION = "1.0"
    fields = {"objects": fields.ListOfObjectsField("InstanceAction")}

    @remotable_classmethod
    def get_by_instance_uuid(
        cls,
        context: Any,
        instance_uuid: str,
        limit: int | None = None,
        marker: str | None = None,
        filters: dict[str, Any] | None = None,
    ) -> InstanceActionList:
        """Newest first; ``marker`` is a request id, filters ``changes-since`` /
        ``changes-before``."""
        rows = _db().actions_get(context, instance_uuid, limit, marker, filters)
        result = cls(context)
        result.objects = [
            InstanceAction._from_db_object(context, InstanceAction(), r) for r in rows
        ]
        result.obj_reset_changes()
        return result


@ObjectRegistry.register
class InstanceActionEvent(VersionedObject):
    OBJ_NAMESPACE = "compute"
    VERSION = "1.0"
    fields = {
        "id": fields.IntegerField(),
        "event": fields.StringField(nullable=True),
        "action_id": fields.IntegerField(nullable=True),
        "start_time": fields.DateTimeField(nullable=True),
        "finish_time": fields.DateTimeField(nullable=True),
        "result": fields.StringField(nullable=True),
        "traceback": fields.StringField(nullable=True),
        "host": fields.StringField(nullable=True),
        "details": fields.StringField(nullable=True),
        **TIMESTAMPS,
    }

    @classmethod
    def _from_db_object(
        cls, context: Any, event: InstanceActionEvent, row: Any
    ) -> InstanceActionEvent:
        set_from_row(event, row)
        event._context = context
        event.obj_reset_changes()
        return event

    @remotable_classmethod
    def event_start(
        cls,
        context: Any,
        instance_uuid: str,
        event_name: str,
        want_result: bool = True,
        host: str | None = None,
    ) -> InstanceActionEvent | None:
        values = {"event": event_name, "start_time": utcnow(), "host": host}
        row = _db().action_event_start(context, instance_uuid, values)
        return cls._from_db_object(context, cls(), row) if want_result else None

    @remotable_classmethod
    def event_finish_with_failure(
        cls,
        context: Any,
        instance_uuid: str,
        event_name: str,
        exc_val: str | None = None,
        exc_tb: str | None = None,
        want_result: bool = True,
    ) -> InstanceActionEvent | None:
        """Finish the event: ``Success`` when ``exc_val`` is None, else ``Error`` with
        the exception text and traceback (and the action's message becomes ``Error``)."""
        values = {
            "event": event_name,
            "finish_time": utcnow(),
            "result": "Success" if exc_val is None else "Error",
            "details": None if exc_val is None else str(exc_val),
            "traceback": exc_tb,
        }
        row = _db().action_event_finish(context, instance_uuid, values)
        return cls._from_db_object(context, cls(), row) if want_result else None

    @classmethod
    def event_finish(
        cls, context: Any, instance_uuid: str, event_name: str, want_result: bool = True
    ) -> InstanceActionEvent | None:
        return cls.event_finish_with_failure(
            context, instance_uuid, event_name, want_result=want_result
        )

    @staticmethod
    def format_traceback(error: BaseException) -> str:
        return "".join(tb.format_exception(type(error), error, error.__traceback__))


@ObjectRegistry.register
class InstanceActionEventList(ObjectListBase):
    OBJ_NAMESPACE = "compute"
    VERSION = "1.0"
    fields = {"objects": fields.ListOfObjectsField("InstanceActionEvent")}

    @remotable_classmethod
    def get_by_action(cls, context: Any, action_id: int) -> InstanceActionEventList:
        rows = _db().action_events_get(context, action_id)
        result = cls(context)
        result.objects = [
            InstanceActionEvent._from_db_object(context, InstanceActionEvent(), r) for r in rows
        ]
        result.obj_reset_changes()
        return result
