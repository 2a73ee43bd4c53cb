"""Volumes and their attachments.

Rows come back as ``models.Volume`` with ``attached``: ``metadata``,
``admin_metadata``, ``glance_metadata`` (dicts), ``volume_type`` (the type row with
its own ``attached`` extra specs, or None) and ``attachments`` (live attachment rows),
loaded in bulk so a page of volumes costs a handful of queries.

Status changes are compare-and-swaps (``volume_conditional_update``): the statuses
allowed come from ``blockstorage.volume.states.TRANSITIONS``.
"""

from __future__ import annotations

import ast
import uuid as uuidlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from blockstorage import exception
from blockstorage.db import helpers, models, quota_api, type_api
from blockstorage.volume.states import AttachStatus, VolumeStatus
from common.context import RequestContext
from common.db.models import utcnow
from common.db.retry import retry_on_db_error

COLUMNS = frozenset(models.Volume.column_names())
ATTACHMENT_COLUMNS = frozenset(models.VolumeAttachment.column_names())
KEY_VALUE_TABLES = {
    "metadata": models.VolumeMetadata,
    "admin_metadata": models.VolumeAdminMetadata,
}


# -- loading -----------------------------------------------------------------------------
def attach_details(session: Session, rows: Sequence[models.Volume]) -> list[models.Volume]:
    ids = [row.id for row in rows]
    found = {
        name: helpers.key_values(session, model, "volume_id", ids)
        for name, model in KEY_VALUE_TABLES.items()
    }
    glance: dict[str, dict[str, str]] = {}
    attachments: dict[str, list[models.VolumeAttachment]] = {}
    for chunk in helpers.chunks(ids):
        stmt = sa.select(models.VolumeGlanceMetadata).where(
            models.VolumeGlanceMetadata.volume_id.in_(chunk),
            models.VolumeGlanceMetadata.deleted == sa.false(),
        )
        for item in session.execute(stmt).scalars():
            glance.setdefault(item.volume_id, {})[item.key] = item.value
        stmt = helpers.live(models.VolumeAttachment).where(
            models.VolumeAttachment.volume_id.in_(chunk)
        )
        for item in session.execute(stmt.order_by(models.VolumeAttachment.created_at)).scalars():
            attachments.setdefault(item.volume_id, []).append(item)
    type_ids = sorted({row.volume_type_id for row in rows if row.volume_type_id})
    types = {}
    if type_ids:
        stmt = sa.select(models.VolumeType).where(models.VolumeType.id.in_(type_ids))
        type_rows = list(session.execute(stmt).scalars())
        types = {t.id: t for t in type_api.attach_details(session, type_rows)}
    for row in rows:
        row.attached = {
            "metadata": found["metadata"].get(row.id, {}),
            "admin_metadata": found["admin_metadata"].get(row.id, {}),
            "glance_metadata": glance.get(row.id, {}),
            "volume_type": types.get(row.volume_type_id),
            "attachments": attachments.get(row.id, []),
        }
    return list(rows)


def get_in_session(session: Session, ctxt: RequestContext, volume_id: str) -> models.Volume:
    stmt = helpers.scoped(models.Volume, ctxt).where(models.Volume.id == volume_id)
    row = helpers.first(session, stmt)
    if row is None:
        raise exception.VolumeNotFound(volume_id=volume_id)
    return row


@retry_on_db_error
def volume_get(ctxt: RequestContext, volume_id: str) -> models.Volume:
    """A volume; a non-admin context sees only its own project's."""
    with helpers.facade().reader() as session:
        return attach_details(session, [get_in_session(session, ctxt, volume_id)])[0]


def _filtered(stmt: sa.Select, filters: Mapping[str, Any]) -> sa.Select | None:
    """Cinder's volume filters; None when a filter names no column (no result)."""
    vol = models.Volume
    for key, value in filters.items():
        if key == "metadata":
            for meta_key, meta_value in _as_dict(value).items():
                stmt = stmt.where(
                    sa.exists().where(
                        models.VolumeMetadata.volume_id == vol.id,
                        models.VolumeMetadata.key == str(meta_key),
                        models.VolumeMetadata.value == str(meta_value),
                        models.VolumeMetadata.deleted == sa.false(),
                    )
                )
        elif key == "glance_metadata":
            for meta_key, meta_value in _as_dict(value).items():
                stmt = stmt.where(
                    sa.exists().where(
                        models.VolumeGlanceMetadata.volume_id == vol.id,
                        models.VolumeGlanceMetadata.key == str(meta_key),
                        models.VolumeGlanceMetadata.value == str(meta_value),
                        models.VolumeGlanceMetadata.deleted == sa.false(),
                    )
                )
        elif key in COLUMNS and key not in ("deleted", "deleted_at"):
            column = getattr(vol, "name_id" if key == "_name_id" else key)
            if isinstance(value, list | tuple | set):
                stmt = stmt.where(column.in_([_plain(v) for v in value]))
            else:
                stmt = stmt.where(_equals(column, _plain(value)))
        else:
            return None
    return stmt


def _plain(value: Any) -> Any:
    return value if isinstance(value, bool | int | float) or value is None else str(value)


def _equals(column: Any, value: Any) -> Any:
    return column.is_(None) if value is None else column == value


def _one_of(column: Any, values: Any) -> Any:
    """``column IN values``, where a None among the values matches NULL (SQL's IN never
    does)."""
    present = [str(v) for v in values if v is not None]
    clause = column.in_(present)
    return sa.or_(clause, column.is_(None)) if None in values else clause


def _as_dict(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    try:
        parsed = ast.literal_eval(str(value))
    except (ValueError, SyntaxError):
        return {"": object()}  # unparsable: matches nothing
    return parsed if isinstance(parsed, dict) else {"": object()}


@retry_on_db_error
def volume_get_all(
    ctxt: RequestContext,
    filters: Mapping[str, Any] | None = None,
    marker: str | None = None,
    limit: int | None = None,
    sort_keys: Sequence[str] | None = None,
    sort_dirs: Sequence[str] | None = None,
    offset: int | None = None,
    project_id: str | None = None,
) -> list[models.Volume]:
    """Volumes matching ``filters``, of ``project_id`` when given (else every project's:
    admins only; a non-admin context is always limited to its project)."""
    stmt = helpers.live(models.Volume, ctxt)
    if project_id is not None:
        stmt = stmt.where(models.Volume.project_id == project_id)
    if not ctxt.is_admin:
        stmt = stmt.where(models.Volume.project_id == ctxt.project_id)
    filtered = _filtered(stmt, dict(filters or {}))
    if filtered is None:
        return []
    keys, dirs = helpers.process_sort_params(sort_keys, sort_dirs)
    keys = ["name_id" if k == "_name_id" else k for k in keys]
    with helpers.facade().reader() as session:
        marker_row = None
        if marker is not None:
            marker_row = helpers.first(
                session, helpers.live(models.Volume, ctxt).where(models.Volume.id == marker)
            )
            if marker_row is None:
                raise exception.MarkerNotFound(marker=marker)
        stmt = helpers.paginate(filtered, models.Volume, keys, dirs, marker_row, limit, offset)
        return attach_details(session, list(session.execute(stmt).scalars()))


@retry_on_db_error
def volume_get_all_by_host(ctxt: RequestContext, host: str) -> list[models.Volume]:
    """Volumes on a backend (``host@backend``, every pool) or one pool (``...#pool``)."""
    vol = models.Volume
    match = (
        vol.host == host if "#" in host else sa.or_(vol.host == host, vol.host.like(f"{host}#%"))
    )
    with helpers.facade().reader() as session:
        stmt = helpers.live(vol, ctxt).where(match).order_by(vol.created_at, vol.id)
        return attach_details(session, list(session.execute(stmt).scalars()))


@retry_on_db_error
def volume_summary(ctxt: RequestContext, project_id: str | None) -> tuple[int, int]:
    """(count, total size in GB) of the project's volumes (every project's with None)."""
    vol = models.Volume
    stmt = sa.select(sa.func.count(vol.id), sa.func.coalesce(sa.func.sum(vol.size), 0)).where(
        vol.deleted == sa.false()
    )
    if project_id is not None:
        stmt = stmt.where(vol.project_id == project_id)
    with helpers.facade().reader() as session:
        count, size = session.execute(stmt).one()
        return int(count), int(size)


# -- writing -------------------------------------------------------------------------------
def _insert(session: Session, values: dict[str, Any]) -> models.Volume:
    values = dict(values)
    children = {
        name: values.pop(name, None) or {} for name in (*KEY_VALUE_TABLES, "glance_metadata")
    }
    unknown = set(values) - COLUMNS
    if unknown:
        raise exception.InvalidInput(reason=f"unknown volume columns {sorted(unknown)}")
    row = models.Volume(**values)
    if not row.id:
        row.id = str(uuidlib.uuid4())
    session.add(row)
    session.flush()
    for name, model in KEY_VALUE_TABLES.items():
        for key, value in children[name].items():
            session.add(model(volume_id=row.id, key=key, value=value))
    for key, value in children["glance_metadata"].items():
        session.add(models.VolumeGlanceMetadata(volume_id=row.id, key=key, value=str(value)))
    session.flush()
    return attach_details(session, [row])[0]


def quota_deltas(size: int, type_name: str | None, kind: str = "volumes") -> dict[str, int]:
    deltas = {kind: 1, "gigabytes": size}
    if type_name:
        deltas[f"{kind}_{type_name}"] = 1
        deltas[f"gigabytes_{type_name}"] = size
    return deltas


@retry_on_db_error
def volume_create(ctxt: RequestContext, values: dict[str, Any]) -> models.Volume:
    """Insert a volume without counting it against any quota (services, tests)."""
    with helpers.facade().writer() as session:
        return _insert(session, values)


@retry_on_db_error
def volume_create_with_quota(
    ctxt: RequestContext, values: dict[str, Any], type_name: str | None = None
) -> models.Volume:
    """Insert a volume if the project's quotas allow it, counting and inserting under the
    project's lock (so concurrent creates cannot pass a limit)."""
    size = int(values.get("size") or 0)
    project_id = values["project_id"]

    def work(session: Session) -> models.Volume:
        return _insert(session, values)

    with helpers.facade().reader() as session:
        quota_api.check_size_limit(size, quota_api.project_limits(session, project_id))
    return quota_api.with_quota(project_id, quota_deltas(size, type_name), work)


def _apply(session: Session, row: models.Volume, values: dict[str, Any]) -> None:
    values = dict(values)
    for name, model in KEY_VALUE_TABLES.items():
        if name in values:
            helpers.set_key_values(session, model, "volume_id", row.id, values.pop(name) or {})
    values.pop("glance_metadata", None)
    unknown = set(values) - COLUMNS
    if unknown:
        raise exception.InvalidInput(reason=f"unknown volume columns {sorted(unknown)}")
    row.update({k: v for k, v in values.items() if k != "id"})


@retry_on_db_error
def volume_update(ctxt: RequestContext, volume_id: str, values: dict[str, Any]) -> models.Volume:
    """Change columns, and replace ``metadata`` / ``admin_metadata`` when given."""
    with helpers.facade().writer() as session:
        row = get_in_session(session, ctxt, volume_id)
        _apply(session, row, values)
        session.flush()
        return attach_details(session, [row])[0]


def _conditions(
    expected: Mapping[str, Any], no_snapshots: bool, not_attached: bool
) -> list[sa.ColumnElement]:
    vol = models.Volume
    where: list[sa.ColumnElement] = []
    for key, value in expected.items():
        column = getattr(vol, key)
        if isinstance(value, list | tuple | set | frozenset):
            where.append(_one_of(column, value))
        else:
            where.append(_equals(column, value))
    if no_snapshots:
        where.append(
            ~sa.exists().where(
                models.Snapshot.volume_id == vol.id, models.Snapshot.deleted == sa.false()
            )
        )
    if not_attached:
        where.append(
            sa.or_(vol.attach_status.is_(None), vol.attach_status != AttachStatus.ATTACHED.value)
        )
    return where


@retry_on_db_error
def volume_conditional_update(
    ctxt: RequestContext,
    volume_id: str,
    values: dict[str, Any],
    expected: Mapping[str, Any] | None = None,
    no_snapshots: bool = False,
    not_attached: bool = False,
) -> bool:
    """``UPDATE volumes SET values WHERE id AND expected``: True when the row matched.

    ``expected`` maps columns to a value or a collection of allowed values;
    ``no_snapshots`` also requires that no live snapshot exists, ``not_attached`` that
    ``attach_status`` is not ``attached``.
    """
    vol = models.Volume
    where = [vol.id == volume_id, vol.deleted == sa.false()]
    if not ctxt.is_admin:
        where.append(vol.project_id == ctxt.project_id)
    where += _conditions(expected or {}, no_snapshots, not_attached)
    stmt = (
        sa.update(vol)
        .where(*where)
        .values(**{**values, "updated_at": utcnow()})
        .execution_options(synchronize_session=False)
    )
    with helpers.facade().writer() as session:
        return session.execute(stmt).rowcount == 1


@retry_on_db_error
def volume_extend_with_quota(
    ctxt: RequestContext, volume_id: str, new_size: int, type_name: str | None
) -> bool:
    """Move an available volume to ``extending`` if the project's gigabytes quota allows
    the growth; False when the volume was no longer ``available``."""
    with helpers.facade().reader() as session:
        row = get_in_session(session, ctxt, volume_id)
        project_id, old_size = row.project_id, int(row.size or 0)
        quota_api.check_size_limit(new_size, quota_api.project_limits(session, project_id))
    delta = new_size - old_size
    deltas = {"gigabytes": delta}
    if type_name:
        deltas[f"gigabytes_{type_name}"] = delta

    def work(session: Session) -> bool:
        stmt = (
            sa.update(models.Volume)
            .where(
                models.Volume.id == volume_id,
                models.Volume.deleted == sa.false(),
                models.Volume.status == VolumeStatus.AVAILABLE.value,
            )
            .values(
                status=VolumeStatus.EXTENDING.value, previous_status=VolumeStatus.AVAILABLE.value
            )
            .execution_options(synchronize_session=False)
        )
        return session.execute(stmt).rowcount == 1

    return quota_api.with_quota(project_id, deltas, work)


@retry_on_db_error
def volume_destroy(ctxt: RequestContext, volume_id: str) -> dict[str, Any]:
    """Soft-delete the volume (status ``deleted``), its metadata and attachments."""
    now = utcnow()
    with helpers.facade().writer() as session:
        row = get_in_session(session, ctxt.elevated(), volume_id)
        updates = {
            "status": "deleted",
            "deleted": True,
            "deleted_at": now,
            "migration_status": None,
        }
        row.update(updates)
        for model in (
            *KEY_VALUE_TABLES.values(),
            models.VolumeGlanceMetadata,
            models.VolumeAttachment,
        ):
            for child in session.execute(
                helpers.live(model).where(model.volume_id == volume_id)
            ).scalars():
                child.soft_delete(session)
        return updates


@retry_on_db_error
def volume_glance_metadata_bulk_create(
    ctxt: RequestContext, volume_id: str, metadata: dict[str, Any]
) -> None:
    with helpers.facade().writer() as session:
        for key, value in metadata.items():
            session.add(models.VolumeGlanceMetadata(volume_id=volume_id, key=key, value=str(value)))


# -- attachments ---------------------------------------------------------------------------
def _attachment_stmt(ctxt: RequestContext, project_id: str | None = None) -> sa.Select:
    """Live attachments, of the context's project (through their volume) unless admin."""
    att, vol = models.VolumeAttachment, models.Volume
    stmt = helpers.live(att, ctxt).join(vol, vol.id == att.volume_id)
    if not ctxt.is_admin:
        stmt = stmt.where(vol.project_id == ctxt.project_id)
    if project_id is not None:
        stmt = stmt.where(vol.project_id == project_id)
    return stmt


@retry_on_db_error
def volume_attach(ctxt: RequestContext, values: dict[str, Any]) -> models.VolumeAttachment:
    """Insert an attachment row (the volume itself changes through its transitions)."""
    row = models.VolumeAttachment(**{k: v for k, v in values.items() if k in ATTACHMENT_COLUMNS})
    if not row.id:
        row.id = str(uuidlib.uuid4())
    with helpers.facade().writer() as session:
        session.add(row)
    return row


@retry_on_db_error
def volume_attachment_get(ctxt: RequestContext, attachment_id: str) -> models.VolumeAttachment:
    with helpers.facade().reader() as session:
        stmt = _attachment_stmt(ctxt).where(models.VolumeAttachment.id == attachment_id)
        row = helpers.first(session, stmt)
        if row is None:
            raise exception.VolumeAttachmentNotFound(filter=f"attachment_id = {attachment_id}")
        return row


@retry_on_db_error
def volume_attachment_get_all(
    ctxt: RequestContext,
    filters: Mapping[str, Any] | None = None,
    marker: str | None = None,
    limit: int | None = None,
    sort_keys: Sequence[str] | None = None,
    sort_dirs: Sequence[str] | None = None,
    offset: int | None = None,
    project_id: str | None = None,
) -> list[models.VolumeAttachment]:
    """Attachments (of the context's project unless admin), filtered on their columns
    (``volume_id``, ``instance_uuid``, ``attach_status``...)."""
    att = models.VolumeAttachment
    stmt = _attachment_stmt(ctxt, project_id)
    for key, value in (filters or {}).items():
        if key not in ATTACHMENT_COLUMNS:
            return []
        stmt = stmt.where(_equals(getattr(att, key), value))
    keys, dirs = helpers.process_sort_params(sort_keys, sort_dirs)
    with helpers.facade().reader() as session:
        marker_row = None
        if marker is not None:
            marker_row = helpers.first(session, _attachment_stmt(ctxt).where(att.id == marker))
            if marker_row is None:
                raise exception.MarkerNotFound(marker=marker)
        stmt = helpers.paginate(stmt, att, keys, dirs, marker_row, limit, offset)
        return list(session.execute(stmt).scalars())


@retry_on_db_error
def volume_attachment_update(
    ctxt: RequestContext, attachment_id: str, values: dict[str, Any]
) -> models.VolumeAttachment:
    with helpers.facade().writer() as session:
        row = helpers.first(
            session,
            helpers.live(models.VolumeAttachment).where(
                models.VolumeAttachment.id == attachment_id
            ),
        )
        if row is None:
            raise exception.VolumeAttachmentNotFound(filter=f"attachment_id = {attachment_id}")
        row.update({k: v for k, v in values.items() if k in ATTACHMENT_COLUMNS and k != "id"})
        return row


def _attachment_for_update(session: Session, attachment_id: str) -> models.VolumeAttachment:
    row = helpers.first(
        session,
        helpers.live(models.VolumeAttachment).where(models.VolumeAttachment.id == attachment_id),
    )
    if row is None:
        raise exception.VolumeAttachmentNotFound(filter=f"attachment_id = {attachment_id}")
    return row


@retry_on_db_error
def volume_attached(
    ctxt: RequestContext,
    attachment_id: str,
    instance_uuid: str | None,
    host_name: str | None,
    mountpoint: str | None,
    attach_mode: str = "rw",
    mark_attached: bool = True,
) -> tuple[models.Volume, models.VolumeAttachment]:
    """Record a finished attach: the attachment ``attached`` (or ``attaching``), the
    volume ``in-use`` (or ``attaching``), ``attached_mode`` in its admin metadata."""
    status = VolumeStatus.IN_USE if mark_attached else VolumeStatus.ATTACHING
    attach_status = AttachStatus.ATTACHED if mark_attached else AttachStatus.ATTACHING
    with helpers.facade().writer() as session:
        attachment = _attachment_for_update(session, attachment_id)
        attachment.update(
            {
                "mountpoint": mountpoint,
                "attach_status": attach_status.value,
                "instance_uuid": instance_uuid,
                "attached_host": host_name,
                "attach_time": utcnow(),
                "attach_mode": attach_mode,
            }
        )
        volume = get_in_session(session, ctxt.elevated(), attachment.volume_id)
        volume.status = status.value
        volume.attach_status = attach_status.value
        admin = helpers.key_values(session, models.VolumeAdminMetadata, "volume_id", [volume.id])
        helpers.set_key_values(
            session,
            models.VolumeAdminMetadata,
            "volume_id",
            volume.id,
            {**admin.get(volume.id, {}), "attached_mode": attach_mode},
        )
        session.flush()
        return attach_details(session, [volume])[0], attachment


@retry_on_db_error
def volume_detached(
    ctxt: RequestContext, volume_id: str, attachment_id: str | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Record a finished detach: the attachment is deleted; the volume is ``available``
    when no attachment is left attached, else stays ``in-use``.  Returns the volume's
    and the attachment's changes."""
    now = utcnow()
    attachment_updates: dict[str, Any] = {}
    with helpers.facade().writer() as session:
        volume = get_in_session(session, ctxt.elevated(), volume_id)
        if attachment_id:
            attachment = helpers.first(
                session,
                helpers.live(models.VolumeAttachment).where(
                    models.VolumeAttachment.id == attachment_id
                ),
            )
            if attachment is not None:
                attachment_updates = {
                    "attach_status": AttachStatus.DETACHED.value,
                    "detach_time": now,
                    "deleted": True,
                    "deleted_at": now,
                }
                attachment.update(attachment_updates)
        session.flush()
        remaining = [
            a
            for a in session.execute(
                helpers.live(models.VolumeAttachment).where(
                    models.VolumeAttachment.volume_id == volume_id
                )
            ).scalars()
        ]
        attached = [a for a in remaining if a.attach_status == AttachStatus.ATTACHED.value]
        if attached:
            volume_updates = {
                "status": VolumeStatus.IN_USE.value,
                "attach_status": AttachStatus.ATTACHED.value,
            }
        elif remaining:
            volume_updates = {
                "status": VolumeStatus.RESERVED.value,
                "attach_status": AttachStatus.RESERVED.value,
            }
        else:
            volume_updates = {
                "status": VolumeStatus.AVAILABLE.value,
                "attach_status": AttachStatus.DETACHED.value,
            }
        volume.update(volume_updates)
        if not remaining:
            for row in session.execute(
                helpers.live(models.VolumeAdminMetadata).where(
                    models.VolumeAdminMetadata.volume_id == volume_id,
                    models.VolumeAdminMetadata.key == "attached_mode",
                )
            ).scalars():
                row.soft_delete(session)
        return volume_updates, attachment_updates


def ids_of(rows: Iterable[Any]) -> list[str]:
    return [row.id for row in rows]
