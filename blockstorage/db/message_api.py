"""User messages (Cinder's messages API): why an asynchronous request failed, kept for
``message_ttl`` and shown to the project that made the request."""

from __future__ import annotations

import uuid as uuidlib
from typing import Any

from blockstorage.db import helpers, models
from common.context import RequestContext
from common.db.retry import retry_on_db_error
from common.exception import NotFound


class MessageNotFound(NotFound):
    msg_fmt = "Message %(message_id)s could not be found."


@retry_on_db_error
def message_create(ctxt: RequestContext, values: dict[str, Any]) -> models.Message:
    row = models.Message(**values)
    if not row.id:
        row.id = str(uuidlib.uuid4())
    with helpers.facade().writer() as session:
        session.add(row)
    return row


@retry_on_db_error
def message_get(ctxt: RequestContext, message_id: str) -> models.Message:
    with helpers.facade().reader() as session:
        row = helpers.first(
            session, helpers.scoped(models.Message, ctxt).where(models.Message.id == message_id)
        )
        if row is None:
            raise MessageNotFound(message_id=message_id)
        return row


@retry_on_db_error
def message_get_all(
    ctxt: RequestContext, filters: dict[str, Any] | None = None
) -> list[models.Message]:
    stmt = helpers.scoped(models.Message, ctxt)
    for key, value in (filters or {}).items():
        if hasattr(models.Message, key):
            stmt = stmt.where(getattr(models.Message, key) == value)
    with helpers.facade().reader() as session:
        return list(session.execute(stmt.order_by(models.Message.created_at.desc())).scalars())


@retry_on_db_error
def message_destroy(ctxt: RequestContext, message_id: str) -> None:
    with helpers.facade().writer() as session:
        row = helpers.first(
            session, helpers.scoped(models.Message, ctxt).where(models.Message.id == message_id)
        )
        if row is None:
            raise MessageNotFound(message_id=message_id)
        row.soft_delete(session)
