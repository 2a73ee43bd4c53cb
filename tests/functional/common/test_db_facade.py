"""The DB layer against real MariaDB, PostgreSQL and SQLite.

Deadlocks and lost connections are provoked for real (two transactions locking rows in
opposite order; the server killing our session) and the retried unit of work is shown to
finish with its effects applied exactly once.
"""

from __future__ import annotations

import logging
import threading

import pytest
import sqlalchemy as sa

from common.db import migration
from common.db.engine import EngineFacade
from common.db.retry import retry_on_db_error

SERVER_KINDS = ("mysql", "postgresql")


def _counter_table(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE counters (id INTEGER PRIMARY KEY, v INTEGER)"))
        for ident in range(1, 6):
            conn.execute(sa.text("INSERT INTO counters VALUES (:i, 0)"), {"i": ident})
    engine.dispose()


def _values(facade: EngineFacade) -> dict[int, int]:
    with facade.reader() as session:
        rows = session.execute(sa.text("SELECT id, v FROM counters ORDER BY id"))
        return {ident: value for ident, value in rows}


def _bump(session, ident: int, by: int) -> None:
    session.execute(
        sa.text("UPDATE counters SET v = v + :by WHERE id = :i"), {"by": by, "i": ident}
    )


@pytest.mark.parametrize("kind", SERVER_KINDS)
def test_deadlock_is_retried_and_both_transactions_succeed(kind, fresh_database, caplog):
    url = fresh_database(kind)
    _counter_table(url)
    facade = EngineFacade(url, max_retries=0)
    first_locked = threading.Event()
    second_locked = threading.Event()
    attempts = {"first": 0, "second": 0}
    results: dict[str, object] = {}

    @retry_on_db_error(max_retries=5, retry_interval=0.05)
    def first():
        attempts["first"] += 1
        with facade.writer() as session:
            _bump(session, 1, 1)
            if attempts["first"] == 1:
                first_locked.set()
                assert second_locked.wait(10)
            _bump(session, 2, 1)
        return "first done"

    @retry_on_db_error(max_retries=5, retry_interval=0.05)
    def second():
        attempts["second"] += 1
        with facade.writer() as session:
            _bump(session, 2, 100)
            if attempts["second"] == 1:
                second_locked.set()
                assert first_locked.wait(10)
            _bump(session, 1, 100)
        return "second done"

    def run(name, func):
        try:
            results[name] = func()
        except Exception as error:  # surfaced by the assertion below
            results[name] = error

    caplog.set_level(logging.WARNING, logger="common.db.retry")
    threads = [
        threading.Thread(target=run, args=("first", first)),
        threading.Thread(target=run, args=("second", second)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    facade_values = _values(facade)
    facade.dispose()

    assert results == {"first": "first done", "second": "second done"}
    # Exactly one of them was the deadlock victim and ran a second time...
    assert sorted(attempts.values()) == [1, 2]
    assert any("DB deadlock" in r.getMessage() for r in caplog.records)
    # ...and the victim's aborted attempt left nothing behind: each bump applied once.
    assert facade_values[1] == 101 and facade_values[2] == 101


def _session_id(session) -> int:
    query = (
        "SELECT CONNECTION_ID()"
        if session.bind.dialect.name == "mysql"
        else ("SELECT pg_backend_pid()")
    )
    return session.execute(sa.text(query)).scalar()


def _kill(admin_url: str, kind: str, session_id: int) -> None:
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if kind == "mysql":
            conn.execute(sa.text(f"KILL {int(session_id)}"))
        else:
            conn.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": session_id})
            # Wait until the backend is really gone, so the next statement fails.
            for _ in range(100):
                alive = conn.execute(
                    sa.text("SELECT count(*) FROM pg_stat_activity WHERE pid = :p"),
                    {"p": session_id},
                ).scalar()
                if not alive:
                    break
                threading.Event().wait(0.05)
    admin.dispose()


@pytest.mark.parametrize("kind", SERVER_KINDS)
def test_connection_killed_inside_a_transaction_is_retried(kind, fresh_database):
    url = fresh_database(kind)
    _counter_table(url)
    facade = EngineFacade(url, max_pool_size=1, max_overflow=0, max_retries=0)
    sessions: list[int] = []

    @retry_on_db_error(max_retries=3, retry_interval=0.05)
    def work():
        with facade.writer() as session:
            sessions.append(_session_id(session))
            if len(sessions) == 1:
                _kill(url, kind, sessions[0])
            _bump(session, 3, 7)
        return "done"

    assert work() == "done"
    assert len(sessions) == 2 and sessions[0] != sessions[1]
    assert _values(facade)[3] == 7
    facade.dispose()


@pytest.mark.parametrize("kind", SERVER_KINDS)
def test_pooled_connection_killed_while_idle_is_replaced(kind, fresh_database):
    url = fresh_database(kind)
    _counter_table(url)
    facade = EngineFacade(url, max_pool_size=1, max_overflow=0, max_retries=0)
    with facade.reader() as session:
        first = _session_id(session)
    _kill(url, kind, first)
    with facade.writer() as session:  # no retry decorator: pre-ping handles it
        second = _session_id(session)
        _bump(session, 4, 1)
    assert second != first
    assert _values(facade)[4] == 1
    facade.dispose()


@pytest.mark.parametrize("kind", ("sqlite", *SERVER_KINDS))
def test_utf8mb4_round_trip_and_no_silent_truncation(kind, fresh_database):
    url = fresh_database(kind)
    facade = EngineFacade(url, max_retries=0)
    with facade.writer() as session:
        session.execute(sa.text("CREATE TABLE notes (id INTEGER PRIMARY KEY, t VARCHAR(10))"))
    with facade.writer() as session:
        session.execute(sa.text("INSERT INTO notes VALUES (1, :t)"), {"t": "snow ☃ 🐧"})
    with facade.reader() as session:
        assert session.execute(sa.text("SELECT t FROM notes")).scalar() == "snow ☃ 🐧"
    if kind != "sqlite":
        # TRADITIONAL on MySQL: too long is an error, as on PostgreSQL, not a truncation.
        with pytest.raises(sa.exc.DBAPIError):
            with facade.writer() as session:
                session.execute(sa.text("INSERT INTO notes VALUES (2, :t)"), {"t": "x" * 20})
    facade.dispose()


@pytest.mark.parametrize("kind", ("sqlite", *SERVER_KINDS))
def test_db_sync_on_a_fresh_database_and_again(kind, fresh_database):
    url = fresh_database(kind)
    assert migration.db_version(url, "migrations.compute") is None
    head = migration.head_revision("migrations.compute")
    assert head is not None and head >= "0002"
    migration.db_sync(url, "migrations.compute")
    assert migration.db_version(url, "migrations.compute") == head
    migration.db_sync(url, "migrations.compute")
    assert migration.db_version(url, "migrations.compute") == head
