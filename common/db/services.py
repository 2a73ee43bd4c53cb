"""The services-table queries Nova and Cinder share, and the per-process facade holder.

Both services keep a ``services`` table with the same lookups (by id, uuid, host and
binary or topic, lists) and the same create/delete rules; only what a heartbeat updates
differs, so ``service_update`` stays in each service's DB API.
"""

from __future__ import annotations

import threading
import uuid as uuidlib
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common import exception
from common.config import CONF
from common.context import RequestContext
from common.db import exception as db_exc
from common.db.engine import EngineFacade
from common.db.query import model_select
from common.db.retry import retry_on_db_error


class LazyFacade:
    """The process's facade of one service's database, made from ``[database]`` on first
    use; ``configure(url)`` / ``reset()`` let tests and tools point it elsewhere."""

    def __init__(self) -> None:
        self._facade: EngineFacade | None = None
        self._lock = threading.Lock()

    def get(self) -> EngineFacade:
        with self._lock:
            if self._facade is None:
                self._facade = EngineFacade.from_conf(CONF.database)
            return self._facade

    def configure(self, url: str, **kwargs: Any) -> EngineFacade:
        with self._lock:
            if self._facade is not None:
                self._facade.dispose()
            self._facade = EngineFacade(url, **kwargs)
            return self._facade

    def reset(self) -> None:
        with self._lock:
            if self._facade is not None:
                self._facade.dispose()
            self._facade = None


def first(session: Session, stmt: sa.Select) -> Any:
    return session.execute(stmt.limit(1)).scalars().first()


class ServiceQueries:
    """Queries on one ``services`` model; each method is one retried transaction and
    returns detached rows."""

    def __init__(self, model: Any, facade: Callable[[], EngineFacade]) -> None:
        self.model = model
        self.facade = facade

    def query(self, ctxt: RequestContext) -> sa.Select:
        return model_select(self.model, ctxt)

    def by_id(self, session: Session, ctxt: RequestContext, service_id: int) -> Any:
        row = first(session, self.query(ctxt).where(self.model.id == service_id))
        if row is None:
            raise exception.ServiceNotFound(service_id=service_id)
        return row

    def _one(self, ctxt: RequestContext, *where: Any) -> Any:
        with self.facade().reader() as session:
            return first(session, self.query(ctxt).where(*where))

    def _all(self, ctxt: RequestContext, *where: Any) -> list[Any]:
        stmt = self.query(ctxt).where(*where).order_by(self.model.id)
        with self.facade().reader() as session:
            return list(session.execute(stmt).scalars())

    @retry_on_db_error
    def get(self, ctxt: RequestContext, service_id: int) -> Any:
        with self.facade().reader() as session:
            return self.by_id(session, ctxt, service_id)

    @retry_on_db_error
    def get_by_uuid(self, ctxt: RequestContext, service_uuid: str) -> Any:
        row = self._one(ctxt, self.model.uuid == service_uuid)
        if row is None:
            raise exception.ServiceNotFound(service_id=service_uuid)
        return row

    @retry_on_db_error
    def get_by_host_and_binary(self, ctxt: RequestContext, host: str, binary: str) -> Any:
        row = self._one(ctxt, self.model.host == host, self.model.binary == binary)
        if row is None:
            raise exception.HostBinaryNotFound(host=host, binary=binary)
        return row

    @retry_on_db_error
    def get_by_host_and_topic(self, ctxt: RequestContext, host: str, topic: str) -> Any:
        """The enabled service consuming ``topic`` on ``host`` (disabled ones do not
        count)."""
        row = self._one(
            ctxt,
            self.model.host == host,
            self.model.topic == topic,
            self.model.disabled == sa.false(),
        )
        if row is None:
            raise exception.ServiceNotFound(service_id=f"{host}/{topic}")
        return row

    @retry_on_db_error
    def get_all(self, ctxt: RequestContext, disabled: bool | None = None) -> list[Any]:
        where = [] if disabled is None else [self.model.disabled == disabled]
        return self._all(ctxt, *where)

    @retry_on_db_error
    def get_all_by_binary(
        self, ctxt: RequestContext, binary: str, include_disabled: bool = True
    ) -> list[Any]:
        where = [self.model.binary == binary]
        if not include_disabled:
            where.append(self.model.disabled == sa.false())
        return self._all(ctxt, *where)

    @retry_on_db_error
    def get_all_by_topic(self, ctxt: RequestContext, topic: str) -> list[Any]:
        """Enabled services consuming ``topic`` (the scheduler's candidates), as in Nova."""
        return self._all(ctxt, self.model.topic == topic, self.model.disabled == sa.false())

    @retry_on_db_error
    def create(self, ctxt: RequestContext, values: dict[str, Any]) -> Any:
        """Insert a service row; a live row with the same host and binary (or topic)
        exists -> ``ServiceBinaryExists``."""
        row = self.model()
        row.update(values)
        if not row.uuid:
            row.uuid = str(uuidlib.uuid4())
        try:
            with self.facade().writer() as session:
                session.add(row)
        except db_exc.DBDuplicateEntry as error:
            if "uuid" in error.columns:
                raise exception.Conflict(reason=f"service uuid {row.uuid} exists") from error
            raise exception.ServiceBinaryExists(host=row.host, binary=row.binary) from error
        return row

    @retry_on_db_error
    def update(
        self,
        ctxt: RequestContext,
        service_id: int,
        values: dict[str, Any],
        apply: Callable[[Session, Any, dict[str, Any]], None],
    ) -> Any:
        """Change a live service in one transaction; ``apply(session, row, values)``
        writes ``values`` with the service's own heartbeat rule."""
        try:
            with self.facade().writer() as session:
                row = self.by_id(session, ctxt, service_id)
                apply(session, row, values)
        except db_exc.DBDuplicateEntry as error:
            raise exception.ServiceBinaryExists(
                host=values.get("host"), binary=values.get("binary")
            ) from error
        return row

    @retry_on_db_error
    def destroy(self, ctxt: RequestContext, service_id: int) -> None:
        """Soft-delete: the service disappears from every query but stays in the table."""
        with self.facade().writer() as session:
            self.by_id(session, ctxt, service_id).soft_delete(session)
