"""The cinder database API: every query the block storage service makes, one each.

Used by cinder-api, cinder-scheduler and cinder-volume (Cinder's workers do have
database access, unlike nova-compute).  Each function is one transaction and is
retried as a whole after a deadlock or a lost connection.  Rows come back detached
with their columns loaded, so callers read them after the session is gone.

The engine is created on first use from ``[database] connection``; ``configure(url)``
and ``reset_facade()`` let tests and tools point it elsewhere.
"""

from __future__ import annotations

import threading
import uuid as uuidlib
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from blockstorage.db import models
from common import exception
from common.config import CONF
from common.context import RequestContext
from common.db import exception as db_exc
from common.db.engine import EngineFacade
from common.db.models import utcnow
from common.db.query import model_select
from common.db.retry import retry_on_db_error

MIGRATIONS = "migrations.blockstorage"

_facade: EngineFacade | None = None
_facade_lock = threading.Lock()


def get_facade() -> EngineFacade:
    """The process's facade, created from ``CONF.database`` on first use."""
    global _facade
    with _facade_lock:
        if _facade is None:
            _facade = EngineFacade.from_conf(CONF.database)
        return _facade


def configure(url: str, **kwargs: Any) -> EngineFacade:
    """Use the database at ``url`` from now on (tests, tools); returns the new facade."""
    global _facade
    with _facade_lock:
        if _facade is not None:
            _facade.dispose()
        _facade = EngineFacade(url, **kwargs)
        return _facade


def reset_facade() -> None:
    """Forget the facade (closing its connections); the next call builds a new one."""
    global _facade
    with _facade_lock:
        if _facade is not None:
            _facade.dispose()
        _facade = None


def _service_query(ctxt: RequestContext) -> sa.Select:
    return model_select(models.Service, ctxt)


def _first(session: Session, stmt: sa.Select) -> Any:
    return session.execute(stmt.limit(1)).scalars().first()


def _service_by_id(session: Session, ctxt: RequestContext, service_id: int) -> models.Service:
    row = _first(session, _service_query(ctxt).where(models.Service.id == service_id))
    if row is None:
        raise exception.ServiceNotFound(service_id=service_id)
    return row


@retry_on_db_error
def service_get(ctxt: RequestContext, service_id: int) -> models.Service:
    with get_facade().reader() as session:
        return _service_by_id(session, ctxt, service_id)


@retry_on_db_error
def service_get_by_uuid(ctxt: RequestContext, service_uuid: str) -> models.Service:
    with get_facade().reader() as session:
        row = _first(session, _service_query(ctxt).where(models.Service.uuid == service_uuid))
    if row is None:
        raise exception.ServiceNotFound(service_id=service_uuid)
    return row


@retry_on_db_error
def service_get_by_host_and_binary(ctxt: RequestContext, host: str, binary: str) -> models.Service:
    with get_facade().reader() as session:
        stmt = _service_query(ctxt).where(
            models.Service.host == host, models.Service.binary == binary
        )
        row = _first(session, stmt)
    if row is None:
        raise exception.HostBinaryNotFound(host=host, binary=binary)
    return row


@retry_on_db_error
def service_get_by_host_and_topic(ctxt: RequestContext, host: str, topic: str) -> models.Service:
    """The enabled service consuming ``topic`` on ``host`` (disabled ones do not count)."""
    with get_facade().reader() as session:
        stmt = _service_query(ctxt).where(
            models.Service.host == host,
            models.Service.topic == topic,
            models.Service.disabled == sa.false(),
        )
        row = _first(session, stmt)
    if row is None:
        raise exception.ServiceNotFound(service_id=f"{host}/{topic}")
    return row


@retry_on_db_error
def service_get_all(ctxt: RequestContext, disabled: bool | None = None) -> list[models.Service]:
    stmt = _service_query(ctxt).order_by(models.Service.id)
    if disabled is not None:
        stmt = stmt.where(models.Service.disabled == disabled)
    with get_facade().reader() as session:
        return list(session.execute(stmt).scalars())


@retry_on_db_error
def service_get_all_by_binary(
    ctxt: RequestContext, binary: str, include_disabled: bool = True
) -> list[models.Service]:
    stmt = _service_query(ctxt).where(models.Service.binary == binary).order_by(models.Service.id)
    if not include_disabled:
        stmt = stmt.where(models.Service.disabled == sa.false())
    with get_facade().reader() as session:
        return list(session.execute(stmt).scalars())


@retry_on_db_error
def service_get_all_by_topic(ctxt: RequestContext, topic: str) -> list[models.Service]:
    """Enabled services consuming ``topic`` (the scheduler's candidates)."""
    stmt = (
        _service_query(ctxt)
        .where(models.Service.topic == topic, models.Service.disabled == sa.false())
        .order_by(models.Service.id)
    )
    with get_facade().reader() as session:
        return list(session.execute(stmt).scalars())


@retry_on_db_error
def service_create(ctxt: RequestContext, values: dict[str, Any]) -> models.Service:
    """Insert a service row; a live row with the same host and binary exists
    -> ``ServiceBinaryExists``."""
    row = models.Service()
    row.update(values)
    if not row.uuid:
        row.uuid = str(uuidlib.uuid4())
    try:
        with get_facade().writer() as session:
            session.add(row)
    except db_exc.DBDuplicateEntry as error:
        if "uuid" in error.columns:
            raise exception.Conflict(reason=f"service uuid {row.uuid} exists") from error
        raise exception.ServiceBinaryExists(host=row.host, binary=row.binary) from error
    return row


@retry_on_db_error
def service_update(ctxt: RequestContext, service_id: int, values: dict[str, Any]) -> models.Service:
    """Change columns of a live service.

    ``updated_at`` is Cinder's heartbeat, so enabling or disabling a service must not
    move it (that would show a dead service up); ``modified_at`` records that change.
    """
    values = dict(values)
    try:
        with get_facade().writer() as session:
            row = _service_by_id(session, ctxt, service_id)
            keep_heartbeat = "disabled" in values and "updated_at" not in values
            if "disabled" in values:
                values.setdefault("modified_at", utcnow())
            row.update(values)
            if keep_heartbeat:
                # SET updated_at = updated_at: suppresses the column's onupdate.
                row.updated_at = models.Service.updated_at
                session.flush()
                session.refresh(row)
    except db_exc.DBDuplicateEntry as error:
        raise exception.ServiceBinaryExists(
            host=values.get("host"), binary=values.get("binary")
        ) from error
    return row


@retry_on_db_error
def service_destroy(ctxt: RequestContext, service_id: int) -> None:
    """Soft-delete the service: it disappears from every query but stays in the table."""
    with get_facade().writer() as session:
        _service_by_id(session, ctxt, service_id).soft_delete(session)
