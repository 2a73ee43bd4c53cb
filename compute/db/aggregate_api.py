"""Host aggregates with their hosts and metadata (Nova's API database tables)."""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.context import RequestContext
from common.db import exception as db_exc
from common.db.retry import retry_on_db_error
from compute import exception
from compute.db import helpers, models


def _attach(session: Session, rows: Sequence[models.Aggregate]) -> list[models.Aggregate]:
    """Give each row ``hosts`` (list) and ``metadata`` (dict) in ``attached``."""
    by_id = {row.id: row for row in rows}
    for row in rows:
        row.attached = {"hosts": [], "metadata": {}}
    for chunk in helpers.chunks(list(by_id)):
        hosts = sa.select(models.AggregateHost).where(models.AggregateHost.aggregate_id.in_(chunk))
        for item in session.execute(hosts.order_by(models.AggregateHost.id)).scalars():
            by_id[item.aggregate_id].attached["hosts"].append(item.host)
        meta = sa.select(models.AggregateMetadata).where(
            models.AggregateMetadata.aggregate_id.in_(chunk)
        )
        for item in session.execute(meta.order_by(models.AggregateMetadata.id)).scalars():
            by_id[item.aggregate_id].attached["metadata"][item.key] = item.value
    return list(rows)


def _get(session: Session, aggregate_id: int) -> models.Aggregate:
    row = session.get(models.Aggregate, aggregate_id)
    if row is None:
        raise exception.AggregateNotFound(aggregate_id=aggregate_id)
    return row


def _set_metadata(
    session: Session, aggregate_id: int, metadata: dict[str, Any], replace: bool
) -> None:
    """Apply ``metadata``: a None value deletes the key; ``replace`` drops other keys."""
    model = models.AggregateMetadata
    existing = {
        row.key: row
        for row in session.execute(
            sa.select(model).where(model.aggregate_id == aggregate_id)
        ).scalars()
    }
    for key, row in existing.items():
        if (key in metadata and metadata[key] is None) or (replace and key not in metadata):
            session.delete(row)
        elif key in metadata and row.value != metadata[key]:
            row.value = str(metadata[key])
    for key, value in metadata.items():
        if key not in existing and value is not None:
            session.add(model(aggregate_id=aggregate_id, key=key, value=str(value)))


@retry_on_db_error
def aggregate_get(ctxt: RequestContext, aggregate_id: int) -> models.Aggregate:
    with helpers.facade().reader() as session:
        return _attach(session, [_get(session, aggregate_id)])[0]


@retry_on_db_error
def aggregate_get_by_uuid(ctxt: RequestContext, aggregate_uuid: str) -> models.Aggregate:
    with helpers.facade().reader() as session:
        stmt = sa.select(models.Aggregate).where(models.Aggregate.uuid == aggregate_uuid)
        row = helpers.first(session, stmt)
        if row is None:
            raise exception.AggregateNotFound(aggregate_id=aggregate_uuid)
        return _attach(session, [row])[0]


@retry_on_db_error
def aggregate_get_all(
    ctxt: RequestContext, host: str | None = None, key: str | None = None
) -> list[models.Aggregate]:
    """All aggregates, or those holding ``host`` and/or having metadata ``key``."""
    stmt = sa.select(models.Aggregate).order_by(models.Aggregate.id)
    if host is not None:
        stmt = stmt.where(
            sa.exists().where(
                models.AggregateHost.aggregate_id == models.Aggregate.id,
                models.AggregateHost.host == host,
            )
        )
    if key is not None:
        stmt = stmt.where(
            sa.exists().where(
                models.AggregateMetadata.aggregate_id == models.Aggregate.id,
                models.AggregateMetadata.key == key,
            )
        )
    with helpers.facade().reader() as session:
        return _attach(session, list(session.execute(stmt).scalars()))


@retry_on_db_error
def aggregate_create(
    ctxt: RequestContext, values: dict[str, Any], metadata: dict[str, Any] | None = None
) -> models.Aggregate:
    row = models.Aggregate(name=values.get("name"), uuid=values.get("uuid") or str(uuidlib.uuid4()))
    try:
        with helpers.facade().writer() as session:
            session.add(row)
            session.flush()
            if metadata:
                _set_metadata(session, row.id, metadata, replace=True)
            session.flush()
            return _attach(session, [row])[0]
    except db_exc.DBDuplicateEntry as error:
        raise exception.AggregateNameExists(aggregate_name=values.get("name")) from error


@retry_on_db_error
def aggregate_update(
    ctxt: RequestContext, aggregate_id: int, values: dict[str, Any]
) -> models.Aggregate:
    """Rename (``name``) and/or merge ``metadata`` (None values delete keys)."""
    try:
        with helpers.facade().writer() as session:
            row = _get(session, aggregate_id)
            if "name" in values:
                row.name = values["name"]
            if values.get("metadata"):
                _set_metadata(session, aggregate_id, values["metadata"], replace=False)
            session.flush()
            return _attach(session, [row])[0]
    except db_exc.DBDuplicateEntry as error:
        raise exception.AggregateNameExists(aggregate_name=values.get("name")) from error


@retry_on_db_error
def aggregate_metadata_update(
    ctxt: RequestContext, aggregate_id: int, metadata: dict[str, Any]
) -> models.Aggregate:
    return aggregate_update(ctxt, aggregate_id, {"metadata": metadata})


@retry_on_db_error
def aggregate_host_add(ctxt: RequestContext, aggregate_id: int, host: str) -> models.Aggregate:
    try:
        with helpers.facade().writer() as session:
            row = _get(session, aggregate_id)
            session.add(models.AggregateHost(aggregate_id=aggregate_id, host=host))
            session.flush()
            return _attach(session, [row])[0]
    except db_exc.DBDuplicateEntry as error:
        raise exception.AggregateHostExists(aggregate_id=aggregate_id, host=host) from error


@retry_on_db_error
def aggregate_host_delete(ctxt: RequestContext, aggregate_id: int, host: str) -> models.Aggregate:
    with helpers.facade().writer() as session:
        row = _get(session, aggregate_id)
        result = session.execute(
            sa.delete(models.AggregateHost).where(
                models.AggregateHost.aggregate_id == aggregate_id,
                models.AggregateHost.host == host,
            )
        )
        if result.rowcount == 0:
            raise exception.AggregateHostNotFound(aggregate_id=aggregate_id, host=host)
        session.flush()
        return _attach(session, [row])[0]


@retry_on_db_error
def aggregate_delete(ctxt: RequestContext, aggregate_id: int) -> None:
    with helpers.facade().writer() as session:
        row = _get(session, aggregate_id)
        for model in (models.AggregateHost, models.AggregateMetadata):
            session.execute(sa.delete(model).where(model.aggregate_id == aggregate_id))
        session.delete(row)
