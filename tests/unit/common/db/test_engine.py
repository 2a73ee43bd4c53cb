"""EngineFacade on SQLite files: transactions, detached rows, threads, locked database."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
import sqlalchemy as sa

from common import exception
from common.db import exception as db_exc
from common.db import migration
from common.db.engine import EngineFacade
from common.db.retry import retry_on_db_error
from compute.db import models


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "nova.sqlite"


@pytest.fixture
def facade(db_path):
    facade = EngineFacade(f"sqlite:///{db_path}", max_retries=0, sqlite_busy_timeout=5)
    migration.db_sync(facade.url, "migrations.compute", engine=facade.engine)
    yield facade
    facade.dispose()


def _count(facade: EngineFacade) -> int:
    with facade.reader() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(models.Service))


def test_writer_commits_and_rows_stay_readable_after_the_session(facade):
    with facade.writer() as session:
        row = models.Service(host="h1", binary="nova-scheduler", topic="scheduler")
        session.add(row)
    # Detached, yet every column can be read: expire_on_commit=False.
    assert row.id is not None
    assert row.host == "h1" and row.report_count == 0 and row.deleted == 0
    assert row.created_at is not None
    assert _count(facade) == 1


def test_writer_rolls_back_when_the_block_raises(facade):
    with pytest.raises(RuntimeError):
        with facade.writer() as session:
            session.add(models.Service(host="h1", binary="nova-scheduler"))
            session.flush()
            raise RuntimeError("boom")
    assert _count(facade) == 0


def test_unique_violation_comes_out_as_duplicate_entry(facade):
    with facade.writer() as session:
        session.add(models.Service(host="h1", binary="nova-scheduler", topic="scheduler"))
    with pytest.raises(db_exc.DBDuplicateEntry) as info:
        with facade.writer() as session:
            session.add(models.Service(host="h1", binary="nova-scheduler", topic="other"))
    assert info.value.columns == ["host", "binary", "deleted"]


def test_sqlite_connections_use_wal_and_a_busy_timeout(facade):
    with facade.reader() as session:
        assert session.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert session.execute(sa.text("PRAGMA busy_timeout")).scalar() == 5000


def test_threads_writing_concurrently_lose_no_update(facade):
    """Read-modify-write in many threads: writers queue on BEGIN IMMEDIATE, so the
    counter ends exactly at the number of increments."""
    with facade.writer() as session:
        row = models.Service(host="h1", binary="nova-compute", topic="compute")
        session.add(row)
    service_id = row.id

    @retry_on_db_error(max_retries=20, retry_interval=0.01)
    def increment():
        with facade.writer() as session:
            svc = session.get(models.Service, service_id)
            current = svc.report_count
            time.sleep(0.001)  # widen the window a lost update would need
            svc.report_count = current + 1

    def worker():
        for _ in range(25):
            increment()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with facade.reader() as session:
        assert session.get(models.Service, service_id).report_count == 100


def test_locked_database_is_retried_until_the_lock_goes(db_path):
    facade = EngineFacade(f"sqlite:///{db_path}", max_retries=0, sqlite_busy_timeout=0.05)
    migration.db_sync(facade.url, "migrations.compute", engine=facade.engine)
    blocker = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
    blocker.execute("BEGIN EXCLUSIVE")
    attempts = []

    @retry_on_db_error(max_retries=8, retry_interval=0.02)
    def create():
        attempts.append(time.monotonic())
        with facade.writer() as session:
            session.add(models.Service(host="h1", binary="nova-conductor"))

    release = threading.Timer(0.4, blocker.rollback)
    release.start()
    try:
        create()
    finally:
        release.join()
        blocker.close()
    assert len(attempts) > 1, "the first attempt should have hit 'database is locked'"
    assert _count(facade) == 1
    facade.dispose()


def test_locked_database_without_retry_is_a_deadlock_error(db_path):
    facade = EngineFacade(f"sqlite:///{db_path}", max_retries=0, sqlite_busy_timeout=0.05)
    blocker = sqlite3.connect(db_path, isolation_level=None)
    blocker.execute("CREATE TABLE t (x INTEGER)")
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(db_exc.DBDeadlock):
            with facade.writer() as session:
                session.execute(sa.text("INSERT INTO t VALUES (1)"))
    finally:
        blocker.close()
        facade.dispose()


def test_unreachable_database_fails_after_the_start_up_retries(tmp_path, monkeypatch):
    from common.db import engine as engine_mod

    slept = []
    monkeypatch.setattr(engine_mod.time, "sleep", slept.append)
    with pytest.raises(exception.DBConnectionError) as info:
        EngineFacade("mysql+pymysql://root@127.0.0.1:1/nova", max_retries=3, retry_interval=0.5)
    assert slept == [0.5, 0.5, 0.5]
    assert "127.0.0.1:1" in str(info.value)


def test_from_conf_without_connection_is_not_configured():
    from common.config import CONF

    CONF.set_override("connection", None, group="database")
    try:
        with pytest.raises(exception.DBNotConfigured):
            EngineFacade.from_conf(CONF.database)
    finally:
        CONF.clear_override("connection", group="database")
