"""One engine per database URL, and a transaction per unit of work.

``EngineFacade`` owns the SQLAlchemy engine of a service's database and hands out
sessions through two context managers, ``reader()`` and ``writer()``; each is exactly
one transaction that commits when the block ends and rolls back when it raises.  Rows
stay readable after the block (``expire_on_commit=False``), because the DB API returns
them to callers that have no session.

Per-backend set-up lives here so that every process behaves the same:

- all: ``pool_pre_ping`` so a connection the server dropped while it sat in the pool is
  replaced on checkout instead of failing the first query;
- MySQL/MariaDB: utf8mb4 and ``sql_mode=TRADITIONAL`` (errors instead of silent
  truncation), as oslo.db does;
- SQLite: usable from several threads, WAL journal (readers do not block the writer), a
  busy timeout, and writers start with ``BEGIN IMMEDIATE`` so two writers queue on the
  lock instead of deadlocking when both try to upgrade a read lock.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event, pool
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from common import exception
from common.db import errors

LOG = logging.getLogger(__name__)

_SQLITE_BEGIN = "novella_sqlite_begin"


def _setup_sqlite(engine: Engine, busy_timeout: float) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module (it would not BEGIN
        # before a SELECT); the "begin" hook below emits BEGIN itself.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        mode = conn.get_execution_options().get(_SQLITE_BEGIN, "")
        conn.exec_driver_sql(f"BEGIN {mode}".strip())


def _setup_mysql(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        cursor = dbapi_conn.cursor()
        try:
            cursor.execute("SET SESSION sql_mode = 'TRADITIONAL'")
        finally:
            cursor.close()


def create_engine(
    url: str,
    *,
    max_pool_size: int | None = 5,
    max_overflow: int | None = 50,
    connection_recycle_time: int = 3600,
    sqlite_busy_timeout: float = 30.0,
    **kwargs: Any,
) -> Engine:
    """A SQLAlchemy engine with Novella's per-backend settings (see the module doc)."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    engine_args: dict[str, Any] = {
        "pool_pre_ping": True,
        "pool_recycle": connection_recycle_time,
    }
    connect_args: dict[str, Any] = {}
    if backend == "sqlite":
        connect_args["check_same_thread"] = False
        connect_args["timeout"] = sqlite_busy_timeout
        if parsed.database in (None, "", ":memory:"):
            # An in-memory database lives in its connection: share one (tests only).
            engine_args["poolclass"] = pool.StaticPool
    else:
        if max_pool_size is not None:
            engine_args["pool_size"] = max_pool_size
        if max_overflow is not None:
            engine_args["max_overflow"] = max_overflow
    if backend == "mysql" and "charset" not in parsed.query:
        connect_args["charset"] = "utf8mb4"
    engine_args.update(kwargs)
    engine_args["connect_args"] = {**connect_args, **engine_args.get("connect_args", {})}
    engine = sa.create_engine(parsed, **engine_args)
    if backend == "sqlite":
        _setup_sqlite(engine, sqlite_busy_timeout)
    elif backend == "mysql":
        _setup_mysql(engine)
    return engine


def wait_for_connection(engine: Engine, max_retries: int, retry_interval: float) -> None:
    """Connect once, retrying ``max_retries`` times (-1: forever) every ``retry_interval``
    seconds, so a service started before its database comes up waits for it."""
    attempt = 0
    while True:
        try:
            with engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
            return
        except sa_exc.DBAPIError as error:
            transient = errors.classify(error) is errors.Kind.DISCONNECT
            if not transient or (max_retries != -1 and attempt >= max_retries):
                raise exception.DBConnectionError(
                    reason=f"{engine.url.render_as_string(hide_password=True)}: "
                    f"{str(error.orig).strip()}"
                ) from error
            attempt += 1
            LOG.warning(
                "Database %s unreachable (%s); retry %d in %.1fs",
                engine.url.render_as_string(hide_password=True),
                str(error.orig).strip(),
                attempt,
                retry_interval,
            )
            time.sleep(retry_interval)


class EngineFacade:
    """The engine and session factory of one database; one per process and URL."""

    def __init__(
        self,
        url: str,
        *,
        max_pool_size: int | None = 5,
        max_overflow: int | None = 50,
        connection_recycle_time: int = 3600,
        max_retries: int = 10,
        retry_interval: float = 1.0,
        sqlite_busy_timeout: float = 30.0,
        connect: bool = True,
    ) -> None:
        self.url = url
        self.max_retries = max_retries
        self.retry_interval = retry_interval
        self.engine = create_engine(
            url,
            max_pool_size=max_pool_size,
            max_overflow=max_overflow,
            connection_recycle_time=connection_recycle_time,
            sqlite_busy_timeout=sqlite_busy_timeout,
        )
        self._reader_sessions = sessionmaker(bind=self.engine, expire_on_commit=False)
        self._writer_sessions = sessionmaker(
            bind=self.engine.execution_options(**{_SQLITE_BEGIN: "IMMEDIATE"}),
            expire_on_commit=False,
        )
        if connect:
            wait_for_connection(self.engine, max_retries, retry_interval)

    @classmethod
    def from_conf(cls, database_conf: Any) -> EngineFacade:
        """Build from the ``[database]`` option group (``CONF.database``)."""
        if not database_conf.connection:
            raise exception.DBNotConfigured(reason="[database] connection is not set")
        return cls(
            database_conf.connection,
            max_pool_size=database_conf.max_pool_size,
            max_overflow=database_conf.max_overflow,
            connection_recycle_time=database_conf.connection_recycle_time,
            max_retries=database_conf.max_retries,
            retry_interval=database_conf.retry_interval,
        )

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    @contextlib.contextmanager
    def _transaction(self, factory: sessionmaker[Session]) -> Iterator[Session]:
        session = factory()
        try:
            try:
                with session.begin():
                    yield session
            except sa_exc.DBAPIError as error:
                translated = errors.translate(error)
                if translated is error:
                    raise
                raise translated from error
        finally:
            session.close()

    def reader(self) -> contextlib.AbstractContextManager[Session]:
        """A session for queries; one transaction, committed (harmlessly) at the end."""
        return self._transaction(self._reader_sessions)

    def writer(self) -> contextlib.AbstractContextManager[Session]:
        """A session that changes rows: commit on success, roll back on any exception.

        Driver errors come out translated (``DBDuplicateEntry``, ``DBDeadlock``,
        ``DBConnectionLost``); wrap the whole unit of work in ``retry_on_db_error`` to
        run it again after the last two.
        """
        return self._transaction(self._writer_sessions)

    def dispose(self) -> None:
        """Close every pooled connection (tests, and after fork in worker processes)."""
        self.engine.dispose()
