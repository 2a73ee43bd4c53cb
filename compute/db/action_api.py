"""Instance actions with their events (``os-instance-actions``), and instance faults."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.context import RequestContext
from common.db.models import utcnow
from common.db.retry import retry_on_db_error
from compute import exception
from compute.db import helpers, models

MESSAGE_LENGTH = 255


def _action_by_request(
    session: Session, instance_uuid: str, request_id: str
) -> models.InstanceAction | None:
    stmt = (
        sa.select(models.InstanceAction)
        .where(
            models.InstanceAction.instance_uuid == instance_uuid,
            models.InstanceAction.request_id == request_id,
        )
        .order_by(models.InstanceAction.created_at.desc(), models.InstanceAction.id.desc())
    )
    return helpers.first(session, stmt)


@retry_on_db_error
def action_start(ctxt: RequestContext, values: dict[str, Any]) -> models.InstanceAction:
    row = models.InstanceAction(**values)
    with helpers.facade().writer() as session:
        session.add(row)
    return row


@retry_on_db_error
def action_finish(ctxt: RequestContext, values: dict[str, Any]) -> models.InstanceAction:
    with helpers.facade().writer() as session:
        row = _action_by_request(session, values["instance_uuid"], values["request_id"])
        if row is None:
            raise exception.InstanceActionNotFound(
                request_id=values["request_id"], instance_uuid=values["instance_uuid"]
            )
        row.update(values)
    return row


@retry_on_db_error
def action_get_by_request_id(
    ctxt: RequestContext, instance_uuid: str, request_id: str
) -> models.InstanceAction:
    with helpers.facade().reader() as session:
        row = _action_by_request(session, instance_uuid, request_id)
    if row is None:
        raise exception.InstanceActionNotFound(request_id=request_id, instance_uuid=instance_uuid)
    return row


@retry_on_db_error
def actions_get(
    ctxt: RequestContext,
    instance_uuid: str,
    limit: int | None = None,
    marker: str | None = None,
    filters: dict[str, Any] | None = None,
) -> list[models.InstanceAction]:
    """Newest first; ``marker`` is a request id; filters ``changes-since`` and
    ``changes-before`` on ``updated_at``."""
    filters = filters or {}
    action = models.InstanceAction
    stmt = sa.select(action).where(action.instance_uuid == instance_uuid)
    if filters.get("changes-since") is not None:
        stmt = stmt.where(action.updated_at >= filters["changes-since"])
    if filters.get("changes-before") is not None:
        stmt = stmt.where(action.updated_at <= filters["changes-before"])
    with helpers.facade().reader() as session:
        marker_row = None
        if marker is not None:
            marker_row = _action_by_request(session, instance_uuid, marker)
            if marker_row is None:
                raise exception.MarkerNotFound(marker=marker)
        stmt = helpers.paginate(
            stmt, action, ["created_at", "id"], ["desc", "desc"], marker_row, limit
        )
        return list(session.execute(stmt).scalars())


def _touch_action(
    session: Session, ctxt: RequestContext, instance_uuid: str
) -> models.InstanceAction:
    row = _action_by_request(session, instance_uuid, ctxt.request_id)
    if row is None:
        raise exception.InstanceActionNotFound(
            request_id=ctxt.request_id, instance_uuid=instance_uuid
        )
    row.updated_at = utcnow()
    return row


@retry_on_db_error
def action_event_start(
    ctxt: RequestContext, instance_uuid: str, values: dict[str, Any]
) -> models.InstanceActionEvent:
    """Record the start of an event of the action of ``ctxt.request_id``."""
    with helpers.facade().writer() as session:
        action = _touch_action(session, ctxt, instance_uuid)
        row = models.InstanceActionEvent(action_id=action.id, **values)
        session.add(row)
    return row


@retry_on_db_error
def action_event_finish(
    ctxt: RequestContext, instance_uuid: str, values: dict[str, Any]
) -> models.InstanceActionEvent:
    """Finish the event (creating it when its start was never recorded); an ``Error``
    result marks the action's message ``Error``, as Nova shows it."""
    with helpers.facade().writer() as session:
        action = _touch_action(session, ctxt, instance_uuid)
        stmt = (
            sa.select(models.InstanceActionEvent)
            .where(
                models.InstanceActionEvent.action_id == action.id,
                models.InstanceActionEvent.event == values["event"],
            )
            .order_by(models.InstanceActionEvent.id.desc())
        )
        row = helpers.first(session, stmt)
        if row is None:
            row = models.InstanceActionEvent(action_id=action.id)
            session.add(row)
        row.update(values)
        if (values.get("result") or "").lower() == "error":
            action.message = "Error"
    return row


@retry_on_db_error
def action_events_get(ctxt: RequestContext, action_id: int) -> list[models.InstanceActionEvent]:
    stmt = (
        sa.select(models.InstanceActionEvent)
        .where(models.InstanceActionEvent.action_id == action_id)
        .order_by(
            models.InstanceActionEvent.created_at.desc(), models.InstanceActionEvent.id.desc()
        )
    )
    with helpers.facade().reader() as session:
        return list(session.execute(stmt).scalars())


@retry_on_db_error
def instance_fault_create(ctxt: RequestContext, values: dict[str, Any]) -> models.InstanceFault:
    values = dict(values)
    if values.get("message"):
        values["message"] = values["message"][:MESSAGE_LENGTH]
    row = models.InstanceFault(**values)
    with helpers.facade().writer() as session:
        session.add(row)
    return row


@retry_on_db_error
def instance_fault_get_by_instance_uuids(
    ctxt: RequestContext, instance_uuids: Sequence[str], latest: bool = False
) -> dict[str, list[models.InstanceFault]]:
    """Faults per instance, newest first (only the newest with ``latest``)."""
    result: dict[str, list[models.InstanceFault]] = {u: [] for u in instance_uuids}
    with helpers.facade().reader() as session:
        for chunk in helpers.chunks(list(instance_uuids)):
            stmt = (
                sa.select(models.InstanceFault)
                .where(models.InstanceFault.instance_uuid.in_(chunk))
                .order_by(models.InstanceFault.created_at.desc(), models.InstanceFault.id.desc())
            )
            for row in session.execute(stmt).scalars():
                if not latest or not result[row.instance_uuid]:
                    result[row.instance_uuid].append(row)
    return result
