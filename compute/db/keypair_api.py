"""Key pairs, owned by a user: a non-admin context reaches only its own user's."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from common.context import RequestContext
from common.db import exception as db_exc
from common.db.retry import retry_on_db_error
from compute import exception
from compute.db import helpers, models


def _owned(ctxt: RequestContext, user_id: str) -> bool:
    return ctxt.is_admin or ctxt.user_id is None or ctxt.user_id == user_id


def _stmt(user_id: str) -> sa.Select:
    return sa.select(models.KeyPair).where(models.KeyPair.user_id == user_id)


@retry_on_db_error
def key_pair_get(ctxt: RequestContext, user_id: str, name: str) -> models.KeyPair:
    with helpers.facade().reader() as session:
        row = helpers.first(session, _stmt(user_id).where(models.KeyPair.name == name))
    if row is None or not _owned(ctxt, user_id):
        raise exception.KeypairNotFound(user_id=user_id, name=name)
    return row


@retry_on_db_error
def key_pair_get_all_by_user(
    ctxt: RequestContext, user_id: str, limit: int | None = None, marker: str | None = None
) -> list[models.KeyPair]:
    """The user's key pairs by name; ``marker`` is a key pair name."""
    if not _owned(ctxt, user_id):
        return []
    with helpers.facade().reader() as session:
        marker_row = None
        if marker is not None:
            marker_row = helpers.first(session, _stmt(user_id).where(models.KeyPair.name == marker))
            if marker_row is None:
                raise exception.MarkerNotFound(marker=marker)
        stmt = helpers.paginate(
            _stmt(user_id), models.KeyPair, ["name", "id"], ["asc", "asc"], marker_row, limit
        )
        return list(session.execute(stmt).scalars())


@retry_on_db_error
def key_pair_count_by_user(ctxt: RequestContext, user_id: str) -> int:
    with helpers.facade().reader() as session:
        stmt = sa.select(sa.func.count(models.KeyPair.id)).where(models.KeyPair.user_id == user_id)
        return int(session.execute(stmt).scalar_one())


@retry_on_db_error
def key_pair_create(ctxt: RequestContext, values: dict[str, Any]) -> models.KeyPair:
    row = models.KeyPair(**{k: v for k, v in values.items() if k != "id"})
    try:
        with helpers.facade().writer() as session:
            session.add(row)
    except db_exc.DBDuplicateEntry as error:
        raise exception.KeyPairExists(key_name=values.get("name")) from error
    return row


@retry_on_db_error
def key_pair_destroy(ctxt: RequestContext, user_id: str, name: str) -> None:
    if not _owned(ctxt, user_id):
        raise exception.KeypairNotFound(user_id=user_id, name=name)
    with helpers.facade().writer() as session:
        result = session.execute(
            sa.delete(models.KeyPair).where(
                models.KeyPair.user_id == user_id, models.KeyPair.name == name
            )
        )
    if result.rowcount == 0:
        raise exception.KeypairNotFound(user_id=user_id, name=name)
