"""Select statements that honour soft delete the way the request context asks.

``RequestContext.read_deleted`` is ``"no"`` (live rows only, the default), ``"yes"``
(live and deleted) or ``"only"`` (deleted rows only), as in Nova.
"""

from __future__ import annotations

from typing import Any, TypeVar

import sqlalchemy as sa

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
