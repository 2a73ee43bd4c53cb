"""What the nova DB API modules share: the session facade, sorting and pagination.

The facade lives in ``compute.db.api`` (``configure``/``reset_facade`` act there); it is
looked up at call time so that every family module uses whatever the process configured.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common import exception as common_exc
from common.db import query
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


def paginate(
    stmt: sa.Select,
    model: type,
    sort_keys: list[str],
    sort_dirs: list[str],
    marker_row: Any = None,
    limit: int | None = None,
) -> sa.Select:
    """Keyset pagination (``common.db.query.paginate``) with Nova's 400 for a bad key."""
    return query.paginate(
        stmt, model, sort_keys, sort_dirs, marker_row, limit, invalid_key=exception.InvalidSortKey
    )
