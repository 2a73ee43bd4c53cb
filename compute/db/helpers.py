"""What the nova DB API modules share: the session facade, sorting and pagination.

The facade lives in ``compute.db.api`` (``configure``/``reset_facade`` act there); it is
looked up at call time so that every family module uses whatever the process configured.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import InstrumentedAttribute

from common import exception as common_exc
from common.db.engine import EngineFacade
from compute import exception

# An IN list longer than this is split (SQLite's old limit on bound parameters is 999).
CHUNK = 500


def facade() -> EngineFacade:
    from compute.db import api

    return api.get_facade()


def first(session: Session, stmt: sa.Select) -> Any:
    return session.execute(stmt.limit(1)).scalars().first()


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def process_sort_params(
    sort_keys: list[str] | None,
    sort_dirs: list[str] | None,
    default_keys: Sequence[str] = ("created_at", "id"),
    default_dir: str = "desc",
) -> tuple[list[str], list[str]]:
    """Nova's rules: missing directions repeat the first one given (else ``default_dir``),
    and the default keys are appended so that the order is total and markers work."""
    keys = list(sort_keys or [])
    dirs = list(sort_dirs or [])
    for direction in dirs:
        if direction not in ("asc", "desc"):
            raise common_exc.Invalid(
                reason=f"Unknown sort direction, must be 'desc' or 'asc': {direction}"
            )
    if dirs and len(dirs) > len(keys):
        raise common_exc.Invalid(reason="Sort direction size exceeds sort key size")
    fill = dirs[0] if dirs else default_dir
    dirs += [fill] * (len(keys) - len(dirs))
    for key in default_keys:
        if key not in keys:
            keys.append(key)
            dirs.append(fill)
    return keys, dirs


def _null_rank(column: sa.ColumnElement) -> sa.ColumnElement:
    return sa.case((column.is_(None), 0), else_=1)


def paginate(
    stmt: sa.Select,
    model: type,
    sort_keys: list[str],
    sort_dirs: list[str],
    marker_row: Any = None,
    limit: int | None = None,
) -> sa.Select:
    """Order ``stmt`` by the keys and start after ``marker_row``.

    NULL sorts as the smallest value on every backend (PostgreSQL alone would put it
    last), so that the same request pages the same way on MariaDB, PostgreSQL and SQLite.
    The rows after the marker are those greater (or smaller, descending) on the first key,
    or equal on it and after on the next, and so on.
    """
    columns = []
    for key in sort_keys:
        column = getattr(model, key, None)
        if not isinstance(column, InstrumentedAttribute):
            raise exception.InvalidSortKey()
        columns.append(column)
    for column, direction in zip(columns, sort_dirs, strict=True):
        rank, col = _null_rank(column), column
        stmt = stmt.order_by(
            *((rank.asc(), col.asc()) if direction == "asc" else (rank.desc(), col.desc()))
        )
    if marker_row is not None:
        alternatives = []
        for index, (column, direction) in enumerate(zip(columns, sort_dirs, strict=True)):
            equal_before = [
                _equals(columns[i], getattr(marker_row, sort_keys[i])) for i in range(index)
            ]
            after = _after(column, getattr(marker_row, sort_keys[index]), direction)
            alternatives.append(sa.and_(*equal_before, after))
        stmt = stmt.where(sa.or_(*alternatives))
    if limit is not None:
        stmt = stmt.limit(limit)
    return stmt


def _equals(column: sa.ColumnElement, value: Any) -> sa.ColumnElement:
    return column.is_(None) if value is None else column == value


def _after(column: sa.ColumnElement, value: Any, direction: str) -> sa.ColumnElement:
    if direction == "asc":
        return column.is_not(None) if value is None else column > value
    if value is None:
        return sa.false()
    return sa.or_(column < value, column.is_(None))
