"""Snapshots and their metadata.  Rows come back with ``attached = {"metadata": {...}}``."""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from blockstorage import exception
from blockstorage.db import helpers, models, quota_api, volume_api
from common.config import CONF
from common.context import RequestContext
from common.db.models import utcnow
from common.db.retry import retry_on_db_error

COLUMNS = frozenset(models.Snapshot.column_names())


def attach_details(session: Session, rows: Sequence[models.Snapshot]) -> list[models.Snapshot]:
    found = helpers.key_values(
        session, models.SnapshotMetadata, "snapshot_id", [row.id for row in rows]
    )
    for row in rows:
        row.attached = {"metadata": found.get(row.id, {})}
    return list(rows)


def get_in_session(session: Session, ctxt: RequestContext, snapshot_id: str) -> models.Snapshot:
    row = helpers.first(
        session, helpers.scoped(models.Snapshot, ctxt).where(models.Snapshot.id == snapshot_id)
    )
    if row is None:
        raise exception.SnapshotNotFound(snapshot_id=snapshot_id)
    return row


@retry_on_db_error
def snapshot_get(ctxt: RequestContext, snapshot_id: str) -> models.Snapshot:
    with helpers.facade().reader() as session:
        return attach_details(session, [get_in_session(session, ctxt, snapshot_id)])[0]


@retry_on_db_error
def snapshot_get_all(
    ctxt: RequestContext,
    filters: Mapping[str, Any] | None = None,
    marker: str | None = None,
    limit: int | None = None,
    sort_keys: Sequence[str] | None = None,
    sort_dirs: Sequence[str] | None = None,
    offset: int | None = None,
    project_id: str | None = None,
) -> list[models.Snapshot]:
    """Snapshots matching column filters (and ``metadata``: a dict every pair of which
    must match)."""
    snap = models.Snapshot
    stmt = helpers.live(snap, ctxt)
    if project_id is not None:
        stmt = stmt.where(snap.project_id == project_id)
    if not ctxt.is_admin:
        stmt = stmt.where(snap.project_id == ctxt.project_id)
    for key, value in (filters or {}).items():
        if key == "metadata" and isinstance(value, dict):
            for meta_key, meta_value in value.items():
                stmt = stmt.where(
                    sa.exists().where(
                        models.SnapshotMetadata.snapshot_id == snap.id,
                        models.SnapshotMetadata.key == str(meta_key),
                        models.SnapshotMetadata.value == str(meta_value),
                        models.SnapshotMetadata.deleted == sa.false(),
                    )
                )
        elif key in COLUMNS and key not in ("deleted", "deleted_at"):
            stmt = stmt.where(getattr(snap, key) == value)
        else:
            return []
    keys, dirs = helpers.process_sort_params(sort_keys, sort_dirs)
    with helpers.facade().reader() as session:
        marker_row = None
        if marker is not None:
            marker_row = helpers.first(session, helpers.live(snap, ctxt).where(snap.id == marker))
            if marker_row is None:
                raise exception.MarkerNotFound(marker=marker)
        stmt = helpers.paginate(stmt, snap, keys, dirs, marker_row, limit, offset)
        return attach_details(session, list(session.execute(stmt).scalars()))


def _insert(session: Session, values: dict[str, Any]) -> models.Snapshot:
    values = dict(values)
    metadata = values.pop("metadata", None) or {}
    row = models.Snapshot(**{k: v for k, v in values.items() if k in COLUMNS})
    if not row.id:
        row.id = str(uuidlib.uuid4())
    session.add(row)
    session.flush()
    for key, value in metadata.items():
        session.add(models.SnapshotMetadata(snapshot_id=row.id, key=key, value=value))
    session.flush()
    return attach_details(session, [row])[0]


@retry_on_db_error
def snapshot_create(ctxt: RequestContext, values: dict[str, Any]) -> models.Snapshot:
    with helpers.facade().writer() as session:
        return _insert(session, values)


@retry_on_db_error
def snapshot_create_with_quota(
    ctxt: RequestContext, values: dict[str, Any], type_name: str | None = None
) -> models.Snapshot:
    """Insert a snapshot if the project's snapshots (and gigabytes) quotas allow it,
    counted and inserted under the project's lock."""
    size = 0 if CONF.no_snapshot_gb_quota else int(values.get("volume_size") or 0)
    deltas = volume_api.quota_deltas(size, type_name, kind="snapshots")
    return quota_api.with_quota(values["project_id"], deltas, lambda s: _insert(s, values))


@retry_on_db_error
def snapshot_update(
    ctxt: RequestContext, snapshot_id: str, values: dict[str, Any]
) -> models.Snapshot:
    with helpers.facade().writer() as session:
        row = get_in_session(session, ctxt, snapshot_id)
        values = dict(values)
        if "metadata" in values:
            helpers.set_key_values(
                session,
                models.SnapshotMetadata,
                "snapshot_id",
                row.id,
                values.pop("metadata") or {},
            )
        row.update({k: v for k, v in values.items() if k in COLUMNS and k != "id"})
        session.flush()
        return attach_details(session, [row])[0]


@retry_on_db_error
def snapshot_conditional_update(
    ctxt: RequestContext,
    snapshot_id: str,
    values: dict[str, Any],
    expected: Mapping[str, Any] | None = None,
) -> bool:
    """Compare-and-swap on the snapshot's columns (see ``volume_conditional_update``)."""
    snap = models.Snapshot
    where = [snap.id == snapshot_id, snap.deleted == sa.false()]
    if not ctxt.is_admin:
        where.append(snap.project_id == ctxt.project_id)
    for key, value in (expected or {}).items():
        column = getattr(snap, key)
        if isinstance(value, list | tuple | set | frozenset):
            where.append(column.in_([str(v) for v in value]))
        else:
            where.append(column == value)
    stmt = (
        sa.update(snap)
        .where(*where)
        .values(**{**values, "updated_at": utcnow()})
        .execution_options(synchronize_session=False)
    )
    with helpers.facade().writer() as session:
        return session.execute(stmt).rowcount == 1


@retry_on_db_error
def snapshot_destroy(ctxt: RequestContext, snapshot_id: str) -> dict[str, Any]:
    now = utcnow()
    with helpers.facade().writer() as session:
        row = get_in_session(session, ctxt.elevated(), snapshot_id)
        updates = {"status": "deleted", "deleted": True, "deleted_at": now}
        row.update(updates)
        for child in session.execute(
            helpers.live(models.SnapshotMetadata).where(
                models.SnapshotMetadata.snapshot_id == snapshot_id
            )
        ).scalars():
            child.soft_delete(session)
        return updates
