"""retry_on_db_error: what it retries, how often, and what it lets through."""

from __future__ import annotations

import psycopg
import pymysql
import pytest
from sqlalchemy import exc as sa_exc

from common import exception
from common.db import errors, retry
from common.db import exception as db_exc
from common.db.retry import retry_on_db_error


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    """Record the back-off instead of sleeping it."""
    slept: list[float] = []
    monkeypatch.setattr(retry.time, "sleep", slept.append)
    return slept


def _operational(orig: BaseException, invalidated: bool = False) -> sa_exc.OperationalError:
    return sa_exc.OperationalError("UPDATE t", {}, orig, connection_invalidated=invalidated)


MYSQL_DEADLOCK = _operational(pymysql.err.OperationalError(1213, "Deadlock found"))
MYSQL_LOCK_WAIT = _operational(pymysql.err.OperationalError(1205, "Lock wait timeout"))
MYSQL_GONE = _operational(pymysql.err.OperationalError(2013, "Lost connection"))
PG_DEADLOCK = _operational(psycopg.errors.DeadlockDetected("deadlock detected"))
PG_SERIALIZATION = _operational(psycopg.errors.SerializationFailure("could not serialize"))
PG_ADMIN_SHUTDOWN = _operational(psycopg.errors.AdminShutdown("terminating connection"))
SQLITE_LOCKED = _operational(Exception("database is locked"))
INVALIDATED = _operational(Exception("server closed the connection"), invalidated=True)


def failing_then_ok(failures: list[BaseException]):
    calls = []

    def work(value):
        calls.append(value)
        if len(calls) <= len(failures):
            raise failures[len(calls) - 1]
        return value * 2

    return work, calls


@pytest.mark.parametrize(
    "error",
    [
        MYSQL_DEADLOCK,
        MYSQL_LOCK_WAIT,
        MYSQL_GONE,
        PG_DEADLOCK,
        PG_SERIALIZATION,
        PG_ADMIN_SHUTDOWN,
        SQLITE_LOCKED,
        INVALIDATED,
        db_exc.DBDeadlock(reason="x"),
        db_exc.DBConnectionLost(reason="x"),
    ],
    ids=lambda e: type(e).__name__ + ":" + str(getattr(e, "orig", e))[:20],
)
def test_transient_errors_rerun_the_whole_function(error):
    work, calls = failing_then_ok([error, error])
    wrapped = retry_on_db_error(max_retries=3, retry_interval=0.01)(work)
    assert wrapped(21) == 42
    assert calls == [21, 21, 21]


@pytest.mark.parametrize(
    "error",
    [
        sa_exc.IntegrityError("INSERT", {}, pymysql.err.IntegrityError(1062, "Duplicate entry")),
        db_exc.DBDuplicateEntry(columns=["host"]),
        _operational(pymysql.err.OperationalError(1049, "Unknown database")),
        _operational(psycopg.errors.UndefinedTable("relation does not exist")),
        exception.ServiceNotFound(service_id=1),
        ValueError("bug"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_other_errors_propagate_at_once(error):
    work, calls = failing_then_ok([error])
    wrapped = retry_on_db_error(max_retries=5, retry_interval=0.01)(work)
    with pytest.raises(type(error)):
        wrapped(1)
    assert calls == [1]


def test_gives_up_after_max_retries_with_the_last_error(no_sleep):
    work, calls = failing_then_ok([MYSQL_DEADLOCK] * 10)
    wrapped = retry_on_db_error(max_retries=3, retry_interval=0.5)(work)
    with pytest.raises(sa_exc.OperationalError):
        wrapped(1)
    assert len(calls) == 4  # the first try and three retries
    assert len(no_sleep) == 3


def test_back_off_doubles_and_is_capped(no_sleep):
    work, _ = failing_then_ok([MYSQL_GONE] * 8)
    retry_on_db_error(max_retries=8, retry_interval=1.0)(work)(1)
    assert no_sleep == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0, 10.0, 10.0]


def test_deadlock_back_off_has_jitter(no_sleep):
    work, _ = failing_then_ok([PG_DEADLOCK] * 3)
    retry_on_db_error(max_retries=3, retry_interval=1.0)(work)(1)
    for attempt, delay in enumerate(no_sleep, start=1):
        full = 2 ** (attempt - 1)
        assert full * 0.5 <= delay <= full


def test_minus_one_retries_until_success():
    work, calls = failing_then_ok([SQLITE_LOCKED] * 25)
    assert retry_on_db_error(max_retries=-1, retry_interval=0.01)(work)(2) == 4
    assert len(calls) == 26


def test_defaults_come_from_the_database_options(no_sleep):
    from common.config import CONF

    CONF.set_override("max_retries", 2, group="database")
    CONF.set_override("retry_interval", 0.25, group="database")
    try:
        work, calls = failing_then_ok([MYSQL_DEADLOCK] * 5)
        with pytest.raises(sa_exc.OperationalError):
            retry_on_db_error(work)(1)
    finally:
        CONF.clear_override("max_retries", group="database")
        CONF.clear_override("retry_interval", group="database")
    assert len(calls) == 3
    assert 0.125 <= no_sleep[0] <= 0.25


def test_nested_calls_retry_only_at_the_outermost_level():
    inner_calls = []

    @retry_on_db_error(max_retries=3, retry_interval=0.01)
    def inner():
        inner_calls.append(1)
        if len(inner_calls) < 3:
            raise MYSQL_DEADLOCK
        return "done"

    @retry_on_db_error(max_retries=3, retry_interval=0.01)
    def outer():
        return inner()

    assert outer() == "done"
    # Three outer attempts, each calling inner once: inner never retried by itself.
    assert len(inner_calls) == 3


def test_classification_of_duplicates_reads_the_columns():
    mysql = sa_exc.IntegrityError(
        "INSERT",
        {},
        pymysql.err.IntegrityError(
            1062, "Duplicate entry 'h1-nova-compute-0' for key 'uniq_services0host0binary0deleted'"
        ),
    )
    sqlite = sa_exc.IntegrityError(
        "INSERT", {}, Exception("UNIQUE constraint failed: services.host, services.binary")
    )
    pg = sa_exc.IntegrityError(
        "INSERT",
        {},
        psycopg.errors.UniqueViolation(
            'duplicate key value violates unique constraint "x"\n'
            "DETAIL:  Key (host, topic, deleted)=(h1, compute, 0) already exists."
        ),
    )
    for error, columns in [
        (mysql, ["host", "binary", "deleted"]),
        (sqlite, ["host", "binary"]),
        (pg, ["host", "topic", "deleted"]),
    ]:
        translated = errors.translate(error)
        assert isinstance(translated, db_exc.DBDuplicateEntry)
        assert translated.columns == columns
        assert translated.inner is error


def test_translation_keeps_unrelated_errors():
    error = sa_exc.ProgrammingError("SELECT", {}, Exception("syntax error"))
    assert errors.translate(error) is error
    assert isinstance(errors.translate(MYSQL_DEADLOCK), db_exc.DBDeadlock)
    assert isinstance(errors.translate(INVALIDATED), db_exc.DBConnectionLost)
