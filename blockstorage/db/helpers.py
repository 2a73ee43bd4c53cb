"""What the cinder DB API modules share: the session facade, soft-delete selects,
project scoping, sorting and pagination.

The facade lives in ``blockstorage.db.api`` (``configure``/``reset_facade`` act there);
it is looked up at call time so every family module uses what the process configured.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from blockstorage import exception
from common.context import RequestContext
from common.db import query
from common.db.engine import EngineFacade

CHUNK = 500


def facade() -> EngineFacade:
    from blockstorage.db import api

    return api.get_facade()


def first(session: Session, stmt: sa.Select) -> Any:
    return session.execute(stmt.limit(1)).scalars().first()


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def live(model: Any, ctxt: RequestContext | None = None) -> sa.Select:
    """``select(model)`` honouring ``ctxt.read_deleted`` (Cinder's boolean ``deleted``)."""
    mode = getattr(ctxt, "read_deleted", None) or "no"
    stmt = sa.select(model)
    if mode == "no":
        return stmt.where(model.deleted == sa.false())
    if mode == "only":
        return stmt.where(model.deleted == sa.true())
    return stmt


def scoped(model: Any, ctxt: RequestContext) -> sa.Select:
    """Live rows, and only the context's project's unless it is an admin."""
    stmt = live(model, ctxt)
    if not ctxt.is_admin:
        stmt = stmt.where(model.project_id == ctxt.project_id)
    return stmt


def process_sort_params(
    sort_keys: Sequence[str] | None,
    sort_dirs: Sequence[str] | None,
    default_keys: Sequence[str] = ("created_at", "id"),
    default_dir: str = "desc",
) -> tuple[list[str], list[str]]:
    """Cinder's rules: directions default to the first one given (else ``desc``); the
    default keys are appended so the order is total and markers work."""
    keys = list(sort_keys or [])
    dirs = list(sort_dirs or [])
    for direction in dirs:
        if direction not in ("asc", "desc"):
            raise exception.InvalidInput(
                reason=f"Unknown sort direction, must be 'desc' or 'asc': {direction}"
            )
    if len(dirs) > len(keys):
        raise exception.InvalidInput(
            reason="Sort direction array size exceeds sort key array size."
        )
    fill = dirs[0] if dirs else default_dir
    dirs += [fill] * (len(keys) - len(dirs))
    for key in default_keys:
        if key not in keys:
            keys.append(key)
            dirs.append(fill)
    return keys, dirs


def paginate(
    stmt: sa.Select,
    model: Any,
    sort_keys: Sequence[str],
    sort_dirs: Sequence[str],
    marker_row: Any = None,
    limit: int | None = None,
    offset: int | None = None,
) -> sa.Select:
    """Keyset pagination (``common.db.query.paginate``) with Cinder's 400 for a bad key."""
    return query.paginate(
        stmt,
        model,
        sort_keys,
        sort_dirs,
        marker_row,
        limit,
        offset,
        invalid_key=exception.InvalidInput,
    )


def key_values(session: Session, model: Any, fk: str, ids: Sequence[str]) -> dict[str, dict]:
    """``{owner_id: {key: value}}`` of live key/value rows (metadata tables)."""
    result: dict[str, dict[str, Any]] = {}
    column = getattr(model, fk)
    for chunk in chunks(list(ids)):
        stmt = sa.select(model).where(column.in_(chunk), model.deleted == sa.false())
        for row in session.execute(stmt.order_by(model.id)).scalars():
            result.setdefault(getattr(row, fk), {})[row.key] = row.value
    return result


def set_key_values(
    session: Session, model: Any, fk: str, owner_id: str, values: dict[str, Any]
) -> None:
    """Make the live key/value rows of ``owner_id`` equal ``values``."""
    column = getattr(model, fk)
    rows = session.execute(
        sa.select(model).where(column == owner_id, model.deleted == sa.false())
    ).scalars()
    seen = set()
    for row in rows:
        if row.key in values and row.key not in seen:
            seen.add(row.key)
            row.value = values[row.key]
        else:
            row.soft_delete(session)
    for key, value in values.items():
        if key not in seen:
            session.add(model(**{fk: owner_id, "key": key, "value": value}))
