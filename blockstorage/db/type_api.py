"""Volume types, their extra specs and access lists.

A private type (``is_public`` False) exists, for a non-admin context, only when the
context's project is on its access list; otherwise it answers ``VolumeTypeNotFound``.
Rows come back with ``attached = {"extra_specs": {...}, "projects": [...]}``.
"""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from blockstorage import exception
from blockstorage.db import helpers, models
from common.context import RequestContext
from common.db import exception as db_exc
from common.db.models import utcnow
from common.db.retry import retry_on_db_error

COLUMNS = frozenset(models.VolumeType.column_names())


def _visible(ctxt: RequestContext, stmt: sa.Select) -> sa.Select:
    if ctxt.is_admin:
        return stmt
    allowed = sa.exists().where(
        models.VolumeTypeProject.volume_type_id == models.VolumeType.id,
        models.VolumeTypeProject.project_id == ctxt.project_id,
        models.VolumeTypeProject.deleted == 0,
    )
    return stmt.where(sa.or_(models.VolumeType.is_public == sa.true(), allowed))


def attach_details(session: Session, rows: Sequence[models.VolumeType]) -> list[Any]:
    by_id = {row.id: row for row in rows}
    specs = helpers.key_values(session, models.VolumeTypeExtraSpec, "volume_type_id", list(by_id))
    projects: dict[str, list[str]] = {}
    for chunk in helpers.chunks(list(by_id)):
        stmt = sa.select(models.VolumeTypeProject).where(
            models.VolumeTypeProject.volume_type_id.in_(chunk),
            models.VolumeTypeProject.deleted == 0,
        )
        for item in session.execute(stmt.order_by(models.VolumeTypeProject.id)).scalars():
            projects.setdefault(item.volume_type_id, []).append(item.project_id)
    for row in rows:
        row.attached = {"extra_specs": specs.get(row.id, {}), "projects": projects.get(row.id, [])}
    return list(rows)


def get_in_session(session: Session, ctxt: RequestContext, type_id: str) -> models.VolumeType:
    stmt = _visible(ctxt, helpers.live(models.VolumeType, ctxt)).where(
        models.VolumeType.id == type_id
    )
    row = helpers.first(session, stmt)
    if row is None:
        raise exception.VolumeTypeNotFound(volume_type_id=type_id)
    return attach_details(session, [row])[0]


@retry_on_db_error
def volume_type_get(ctxt: RequestContext, type_id: str) -> models.VolumeType:
    with helpers.facade().reader() as session:
        return get_in_session(session, ctxt, type_id)


@retry_on_db_error
def volume_type_get_by_name(ctxt: RequestContext, name: str) -> models.VolumeType:
    with helpers.facade().reader() as session:
        stmt = _visible(ctxt, helpers.live(models.VolumeType, ctxt)).where(
            models.VolumeType.name == name
        )
        row = helpers.first(session, stmt)
        if row is None:
            raise exception.VolumeTypeNotFoundByName(volume_type_name=name)
        return attach_details(session, [row])[0]


@retry_on_db_error
def volume_type_get_all(
    ctxt: RequestContext,
    filters: dict[str, Any] | None = None,
    marker: str | None = None,
    limit: int | None = None,
    sort_keys: list[str] | None = None,
    sort_dirs: list[str] | None = None,
    offset: int | None = None,
) -> list[models.VolumeType]:
    """Types the context may see; ``filters``: ``is_public`` (True/False/None)."""
    filters = filters or {}
    stmt = _visible(ctxt, helpers.live(models.VolumeType, ctxt))
    if filters.get("is_public") is not None:
        wanted = models.VolumeType.is_public == bool(filters["is_public"])
        if filters["is_public"] and ctxt.project_id is not None:
            wanted = sa.or_(
                wanted,
                sa.exists().where(
                    models.VolumeTypeProject.volume_type_id == models.VolumeType.id,
                    models.VolumeTypeProject.project_id == ctxt.project_id,
                    models.VolumeTypeProject.deleted == 0,
                ),
            )
        stmt = stmt.where(wanted)
    keys, dirs = helpers.process_sort_params(sort_keys, sort_dirs, default_dir="asc")
    with helpers.facade().reader() as session:
        marker_row = None
        if marker is not None:
            marker_row = helpers.first(
                session,
                _visible(ctxt, helpers.live(models.VolumeType, ctxt)).where(
                    models.VolumeType.id == marker
                ),
            )
            if marker_row is None:
                raise exception.MarkerNotFound(marker=marker)
        stmt = helpers.paginate(stmt, models.VolumeType, keys, dirs, marker_row, limit, offset)
        return attach_details(session, list(session.execute(stmt).scalars()))


def _name_taken(session: Session, name: str, except_id: str | None = None) -> bool:
    stmt = helpers.live(models.VolumeType).where(models.VolumeType.name == name)
    if except_id:
        stmt = stmt.where(models.VolumeType.id != except_id)
    return helpers.first(session, stmt) is not None


@retry_on_db_error
def volume_type_create(
    ctxt: RequestContext,
    values: dict[str, Any],
    extra_specs: dict[str, str] | None = None,
    projects: list[str] | None = None,
) -> models.VolumeType:
    """Insert a type; a live type with the same name -> ``VolumeTypeExists``."""
    values = {k: v for k, v in values.items() if k in COLUMNS}
    values.setdefault("id", str(uuidlib.uuid4()))
    with helpers.facade().writer() as session:
        if _name_taken(session, values.get("name") or ""):
            raise exception.VolumeTypeExists(id=values.get("name"))
        row = models.VolumeType(**values)
        session.add(row)
        session.flush()
        for key, value in (extra_specs or {}).items():
            session.add(models.VolumeTypeExtraSpec(volume_type_id=row.id, key=key, value=value))
        for project_id in projects or []:
            session.add(models.VolumeTypeProject(volume_type_id=row.id, project_id=project_id))
        session.flush()
        return attach_details(session, [row])[0]


def _for_update(session: Session, type_id: str) -> models.VolumeType:
    row = helpers.first(
        session, helpers.live(models.VolumeType).where(models.VolumeType.id == type_id)
    )
    if row is None:
        raise exception.VolumeTypeNotFound(volume_type_id=type_id)
    return row


@retry_on_db_error
def volume_type_update(
    ctxt: RequestContext, type_id: str, values: dict[str, Any]
) -> models.VolumeType:
    """Change name, description or is_public; a taken name -> ``VolumeTypeExists``."""
    with helpers.facade().writer() as session:
        row = _for_update(session, type_id)
        if values.get("name") and _name_taken(session, values["name"], type_id):
            raise exception.VolumeTypeExists(id=values["name"])
        row.update({k: v for k, v in values.items() if k in COLUMNS and k != "id"})
        session.flush()
        return attach_details(session, [row])[0]


@retry_on_db_error
def volume_type_destroy(ctxt: RequestContext, type_id: str) -> None:
    """Soft-delete a type that no live volume or snapshot uses (``VolumeTypeInUse``)."""
    with helpers.facade().writer() as session:
        row = _for_update(session, type_id)
        for model in (models.Volume, models.Snapshot):
            stmt = helpers.live(model).where(model.volume_type_id == type_id)
            if helpers.first(session, stmt) is not None:
                raise exception.VolumeTypeInUse(volume_type_id=type_id)
        now = utcnow()
        for spec in session.execute(
            helpers.live(models.VolumeTypeExtraSpec).where(
                models.VolumeTypeExtraSpec.volume_type_id == type_id
            )
        ).scalars():
            spec.deleted, spec.deleted_at = True, now
        for access in session.execute(
            sa.select(models.VolumeTypeProject).where(
                models.VolumeTypeProject.volume_type_id == type_id,
                models.VolumeTypeProject.deleted == 0,
            )
        ).scalars():
            access.deleted, access.deleted_at = access.id, now
        row.soft_delete(session)


@retry_on_db_error
def volume_type_extra_specs_update_or_create(
    ctxt: RequestContext, type_id: str, specs: dict[str, str]
) -> dict[str, str]:
    with helpers.facade().writer() as session:
        _for_update(session, type_id)
        current = helpers.key_values(
            session, models.VolumeTypeExtraSpec, "volume_type_id", [type_id]
        ).get(type_id, {})
        helpers.set_key_values(
            session, models.VolumeTypeExtraSpec, "volume_type_id", type_id, {**current, **specs}
        )
        return specs


@retry_on_db_error
def volume_type_extra_specs_delete(ctxt: RequestContext, type_id: str, key: str) -> None:
    with helpers.facade().writer() as session:
        _for_update(session, type_id)
        stmt = helpers.live(models.VolumeTypeExtraSpec).where(
            models.VolumeTypeExtraSpec.volume_type_id == type_id,
            models.VolumeTypeExtraSpec.key == key,
        )
        rows = list(session.execute(stmt).scalars())
        if not rows:
            raise exception.VolumeTypeExtraSpecsNotFound(
                volume_type_id=type_id, extra_specs_key=key
            )
        for row in rows:
            row.soft_delete(session)


@retry_on_db_error
def volume_type_access_add(ctxt: RequestContext, type_id: str, project_id: str) -> None:
    try:
        with helpers.facade().writer() as session:
            _for_update(session, type_id)
            session.add(models.VolumeTypeProject(volume_type_id=type_id, project_id=project_id))
            session.flush()
    except db_exc.DBDuplicateEntry as error:
        raise exception.VolumeTypeAccessExists(
            volume_type_id=type_id, project_id=project_id
        ) from error


@retry_on_db_error
def volume_type_access_remove(ctxt: RequestContext, type_id: str, project_id: str) -> None:
    with helpers.facade().writer() as session:
        _for_update(session, type_id)
        stmt = sa.select(models.VolumeTypeProject).where(
            models.VolumeTypeProject.volume_type_id == type_id,
            models.VolumeTypeProject.project_id == project_id,
            models.VolumeTypeProject.deleted == 0,
        )
        row = helpers.first(session, stmt)
        if row is None:
            raise exception.VolumeTypeAccessNotFound(volume_type_id=type_id, project_id=project_id)
        row.soft_delete(session)
