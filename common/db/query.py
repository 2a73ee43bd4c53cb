"""Select statements that honour soft delete the way the request context asks.

``RequestContext.read_deleted`` is ``"no"`` (live rows only, the default), ``"yes"``
(live and deleted) or ``"only"`` (deleted rows only), as in Nova.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute

from common import exception

M = TypeVar("M")

READ_DELETED = ("no", "yes", "only")


def model_select(model: type[M], ctxt: Any = None, read_deleted: str | None = None) -> sa.Select:
    """``select(model)`` filtered on ``deleted`` per ``read_deleted`` (or the context's)."""
    mode = read_deleted or getattr(ctxt, "read_deleted", None) or "no"
    if mode not in READ_DELETED:
        raise exception.Invalid(reason=f"read_deleted must be one of {READ_DELETED}: {mode}")
    stmt = sa.select(model)
    column = getattr(model, "deleted", None)
    if column is None or mode == "yes":
        return stmt
    live = column == 0
    return stmt.where(live if mode == "no" else sa.not_(live))


def paginate(
    stmt: sa.Select,
    model: Any,
    sort_keys: Sequence[str],
    sort_dirs: Sequence[str],
    marker_row: Any = None,
    limit: int | None = None,
    offset: int | None = None,
    invalid_key: type[Exception] = exception.Invalid,
) -> sa.Select:
    """Order ``stmt`` by the keys and start after ``marker_row`` (keyset pagination).

    NULL sorts as the smallest value on every backend (PostgreSQL alone would put it
    last), so that the same request pages the same way on MariaDB, PostgreSQL and SQLite.
    The rows after the marker are those greater (or smaller, descending) on the first key,
    or equal on it and after on the next, and so on. An unknown key raises
    ``invalid_key`` (each service has its own 400 for it).
    """
    columns = []
    for key in sort_keys:
        column = getattr(model, key, None)
        if not isinstance(column, InstrumentedAttribute):
            raise invalid_key(reason="Invalid sort key")
        columns.append(column)
    for column, direction in zip(columns, sort_dirs, strict=True):
        rank = sa.case((column.is_(None), 0), else_=1)
        stmt = stmt.order_by(
            *((rank.asc(), column.asc()) if direction == "asc" else (rank.desc(), column.desc()))
        )
    if marker_row is not None:
        alternatives = []
        for index, (column, direction) in enumerate(zip(columns, sort_dirs, strict=True)):
            before = [_equals(columns[i], getattr(marker_row, sort_keys[i])) for i in range(index)]
            after = _after(column, getattr(marker_row, sort_keys[index]), direction)
            alternatives.append(sa.and_(*before, after))
        stmt = stmt.where(sa.or_(*alternatives))
    if offset:
        stmt = stmt.offset(offset)
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
