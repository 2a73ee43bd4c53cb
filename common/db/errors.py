"""Read driver-specific error codes and say what happened, in our own exceptions.

The drivers supported (PyMySQL, psycopg 3 and psycopg2, sqlite3); each reports the same events
differently.  Codes used:

- duplicate key: MySQL 1062, PostgreSQL SQLSTATE 23505, SQLite "UNIQUE constraint failed";
- deadlock: MySQL 1213 (deadlock) and 1205 (lock wait timeout), PostgreSQL 40P01
  (deadlock) and 40001 (serialization failure), SQLite "database is locked";
- lost connection: SQLAlchemy's own ``connection_invalidated`` flag, MySQL client errors
  2002/2003/2006/2013/2055 and server 1927/4031, PostgreSQL class 08 and 57P01-57P03.
"""

from __future__ import annotations

import enum
import re

from sqlalchemy import exc as sa_exc

from common.db import exception as db_exc

MYSQL_DUPLICATE = 1062
MYSQL_DEADLOCKS = frozenset({1213, 1205})
MYSQL_DISCONNECTS = frozenset({2002, 2003, 2006, 2013, 2055, 1927, 4031})
PG_DUPLICATE = "23505"
PG_DEADLOCKS = frozenset({"40P01", "40001"})
PG_DISCONNECTS = frozenset({"57P01", "57P02", "57P03"})
_PG_FINAL = ("does not exist", "authentication failed", "no password supplied")
SQLITE_LOCKED = ("database is locked", "database table is locked")


class Kind(enum.Enum):
    DUPLICATE = "duplicate"
    DEADLOCK = "deadlock"
    DISCONNECT = "disconnect"
    OTHER = "other"


def _mysql_errno(orig: BaseException) -> int | None:
    args = getattr(orig, "args", ())
    if args and isinstance(args[0], int) and type(orig).__module__.startswith("pymysql"):
        return args[0]
    return None


def _pgcode(orig: BaseException) -> str | None:
    # psycopg2 calls the SQLSTATE ``pgcode``, psycopg 3 ``sqlstate``.
    return getattr(orig, "pgcode", None) or getattr(orig, "sqlstate", None)


def _is_psycopg(orig: BaseException) -> bool:
    return type(orig).__module__.startswith("psycopg")


def classify(error: BaseException) -> Kind:
    """What kind of failure ``error`` (a SQLAlchemy DBAPIError or our own) is."""
    if isinstance(error, db_exc.DBDuplicateEntry):
        return Kind.DUPLICATE
    if isinstance(error, db_exc.DBDeadlock):
        return Kind.DEADLOCK
    if isinstance(error, db_exc.DBConnectionLost):
        return Kind.DISCONNECT
    if not isinstance(error, sa_exc.DBAPIError):
        return Kind.OTHER
    orig = error.orig
    errno = _mysql_errno(orig)
    pgcode = _pgcode(orig)
    text = str(orig)
    if errno == MYSQL_DUPLICATE or pgcode == PG_DUPLICATE or "UNIQUE constraint failed" in text:
        return Kind.DUPLICATE
    if errno in MYSQL_DEADLOCKS or pgcode in PG_DEADLOCKS or any(s in text for s in SQLITE_LOCKED):
        return Kind.DEADLOCK
    if error.connection_invalidated or errno in MYSQL_DISCONNECTS:
        return Kind.DISCONNECT
    if pgcode is not None and (pgcode.startswith("08") or pgcode in PG_DISCONNECTS):
        return Kind.DISCONNECT
    # psycopg reports a refused or dropped connection as OperationalError with no SQLSTATE
    # (there was no server to send one); a missing database or a refused login is final.
    if pgcode is None and _is_psycopg(orig) and isinstance(error, sa_exc.OperationalError):
        if not any(s in text for s in _PG_FINAL):
            return Kind.DISCONNECT
    return Kind.OTHER


_MYSQL_KEY = re.compile(r"Duplicate entry '(?P<value>.*)' for key '(?:[^.']*\.)?(?P<key>[^']+)'")
_PG_DETAIL = re.compile(r"Key \((?P<cols>.*?)\)=\((?P<value>.*?)\) already exists")
_SQLITE_COLS = re.compile(r"UNIQUE constraint failed: (?P<cols>.+)$")


def _columns_from_constraint_name(name: str) -> list[str]:
    """Nova names unique constraints ``uniq_<table>0<col>0<col>``; read the columns back."""
    if name.startswith("uniq_") and "0" in name:
        return name[len("uniq_") :].split("0")[1:]
    return [name]


def duplicate_details(error: sa_exc.DBAPIError) -> tuple[list[str], object]:
    """The columns and the value of a unique-constraint violation, as far as we can tell."""
    orig = error.orig
    text = str(orig)
    if _mysql_errno(orig) == MYSQL_DUPLICATE:
        match = _MYSQL_KEY.search(text)
        if match:
            return _columns_from_constraint_name(match.group("key")), match.group("value")
    elif _pgcode(orig) == PG_DUPLICATE:
        match = _PG_DETAIL.search(text)
        if match:
            return [c.strip() for c in match.group("cols").split(",")], match.group("value")
        diag = getattr(orig, "diag", None)
        name = getattr(diag, "constraint_name", None)
        if name:
            return _columns_from_constraint_name(name), None
    else:
        match = _SQLITE_COLS.search(text.strip())
        if match:
            return [c.strip().split(".")[-1] for c in match.group("cols").split(",")], None
    return [], None


def translate(error: BaseException) -> BaseException:
    """Our exception for a SQLAlchemy error, or ``error`` itself when it means nothing
    more specific."""
    kind = classify(error)
    if not isinstance(error, sa_exc.DBAPIError) or kind is Kind.OTHER:
        return error
    if kind is Kind.DUPLICATE:
        columns, value = duplicate_details(error)
        return db_exc.DBDuplicateEntry(columns=columns, value=value, inner=error)
    if kind is Kind.DEADLOCK:
        return db_exc.DBDeadlock(inner=error, reason=str(error.orig))
    return db_exc.DBConnectionLost(inner=error, reason=str(error.orig))
