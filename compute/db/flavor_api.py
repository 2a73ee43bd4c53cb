"""Flavors with their extra specs and access lists (Nova's API database tables).

A private flavor (``is_public`` False) exists, for a non-admin context, only if the
context's project is on its access list: everything else answers ``FlavorNotFound``.
"""

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

COLUMNS = frozenset(models.Flavor.column_names())


def _visible(ctxt: RequestContext, stmt: sa.Select) -> sa.Select:
    if ctxt.is_admin:
        return stmt
    allowed = sa.exists().where(
        models.FlavorProject.flavor_id == models.Flavor.id,
        models.FlavorProject.project_id == ctxt.project_id,
    )
    return stmt.where(sa.or_(models.Flavor.is_public == sa.true(), allowed))


def _attach(session: Session, rows: Sequence[models.Flavor]) -> list[models.Flavor]:
    """Give each row ``extra_specs`` (dict) and ``projects`` (list), loaded in bulk."""
    by_id = {row.id: row for row in rows}
    for row in rows:
        row.attached = {"extra_specs": {}, "projects": []}
    for chunk in helpers.chunks(list(by_id)):
        specs = sa.select(models.FlavorExtraSpec).where(models.FlavorExtraSpec.flavor_id.in_(chunk))
        for spec in session.execute(specs.order_by(models.FlavorExtraSpec.id)).scalars():
            by_id[spec.flavor_id].attached["extra_specs"][spec.key] = spec.value
        access = sa.select(models.FlavorProject).where(models.FlavorProject.flavor_id.in_(chunk))
        for item in session.execute(access.order_by(models.FlavorProject.id)).scalars():
            by_id[item.flavor_id].attached["projects"].append(item.project_id)
    return list(rows)


def _get(session: Session, ctxt: RequestContext, where: Any, not_found: Exception) -> models.Flavor:
    row = helpers.first(session, _visible(ctxt, sa.select(models.Flavor).where(where)))
    if row is None:
        raise not_found
    return _attach(session, [row])[0]


@retry_on_db_error
def flavor_get(ctxt: RequestContext, flavor_id: int) -> models.Flavor:
    with helpers.facade().reader() as session:
        return _get(
            session,
            ctxt,
            models.Flavor.id == flavor_id,
            exception.FlavorNotFound(flavor_id=flavor_id),
        )


@retry_on_db_error
def flavor_get_by_flavor_id(ctxt: RequestContext, flavorid: str) -> models.Flavor:
    with helpers.facade().reader() as session:
        return _get(
            session,
            ctxt,
            models.Flavor.flavorid == str(flavorid),
            exception.FlavorNotFound(flavor_id=flavorid),
        )


@retry_on_db_error
def flavor_get_by_name(ctxt: RequestContext, name: str) -> models.Flavor:
    with helpers.facade().reader() as session:
        return _get(
            session,
            ctxt,
            models.Flavor.name == name,
            exception.FlavorNotFoundByName(flavor_name=name),
        )


@retry_on_db_error
def flavor_get_all(
    ctxt: RequestContext,
    filters: dict[str, Any] | None = None,
    sort_key: str = "flavorid",
    sort_dir: str = "asc",
    limit: int | None = None,
    marker: str | None = None,
) -> list[models.Flavor]:
    """Flavors the context may see, filtered (``min_memory_mb``, ``min_root_gb``,
    ``disabled``, ``is_public`` True/False/None), sorted and paged by ``flavorid``
    marker, as Nova's flavor list."""
    filters = filters or {}
    stmt = _visible(ctxt, sa.select(models.Flavor))
    if "min_memory_mb" in filters:
        stmt = stmt.where(models.Flavor.memory_mb >= filters["min_memory_mb"])
    if "min_root_gb" in filters:
        stmt = stmt.where(models.Flavor.root_gb >= filters["min_root_gb"])
    if "disabled" in filters:
        stmt = stmt.where(models.Flavor.disabled == bool(filters["disabled"]))
    if filters.get("is_public") is not None:
        wanted = models.Flavor.is_public == bool(filters["is_public"])
        if filters["is_public"] and ctxt.project_id is not None:
            wanted = sa.or_(
                wanted,
                sa.exists().where(
                    models.FlavorProject.flavor_id == models.Flavor.id,
                    models.FlavorProject.project_id == ctxt.project_id,
                ),
            )
        stmt = stmt.where(wanted)
    keys, dirs = helpers.process_sort_params([sort_key], [sort_dir], default_keys=("id",))
    with helpers.facade().reader() as session:
        marker_row = None
        if marker is not None:
            marker_row = helpers.first(
                session,
                _visible(ctxt, sa.select(models.Flavor)).where(models.Flavor.flavorid == marker),
            )
            if marker_row is None:
                raise exception.MarkerNotFound(marker=marker)
        stmt = helpers.paginate(stmt, models.Flavor, keys, dirs, marker_row, limit)
        return _attach(session, list(session.execute(stmt).scalars()))


@retry_on_db_error
def flavor_create(
    ctxt: RequestContext,
    values: dict[str, Any],
    extra_specs: dict[str, str] | None = None,
    projects: list[str] | None = None,
) -> models.Flavor:
    """Insert a flavor (flavorid defaults to a new uuid); duplicate name ->
    ``FlavorExists``, duplicate flavorid -> ``FlavorIdExists``."""
    values = {k: v for k, v in values.items() if k in COLUMNS}
    if not values.get("flavorid"):
        values["flavorid"] = str(uuidlib.uuid4())
    row = models.Flavor(**values)
    try:
        with helpers.facade().writer() as session:
            session.add(row)
            session.flush()
            for key, value in (extra_specs or {}).items():
                session.add(models.FlavorExtraSpec(flavor_id=row.id, key=key, value=value))
            for project_id in projects or []:
                session.add(models.FlavorProject(flavor_id=row.id, project_id=project_id))
            session.flush()
            return _attach(session, [row])[0]
    except db_exc.DBDuplicateEntry as error:
        if "flavorid" in error.columns:
            raise exception.FlavorIdExists(flavor_id=values["flavorid"]) from error
        raise exception.FlavorExists(name=values.get("name")) from error


def _flavor_for_update(session: Session, flavor_id: int) -> models.Flavor:
    row = session.get(models.Flavor, flavor_id)
    if row is None:
        raise exception.FlavorNotFound(flavor_id=flavor_id)
    return row


@retry_on_db_error
def flavor_update(
    ctxt: RequestContext,
    flavor_id: int,
    values: dict[str, Any],
    extra_specs: dict[str, str] | None = None,
) -> models.Flavor:
    """Change columns (Nova only lets ``description`` change) and, when given, make the
    extra specs equal ``extra_specs``."""
    with helpers.facade().writer() as session:
        row = _flavor_for_update(session, flavor_id)
        row.update({k: v for k, v in values.items() if k in COLUMNS and k != "id"})
        if extra_specs is not None:
            existing = {
                spec.key: spec
                for spec in session.execute(
                    sa.select(models.FlavorExtraSpec).where(
                        models.FlavorExtraSpec.flavor_id == flavor_id
                    )
                ).scalars()
            }
            for key, spec in existing.items():
                if key not in extra_specs:
                    session.delete(spec)
                elif spec.value != extra_specs[key]:
                    spec.value = extra_specs[key]
            for key, value in extra_specs.items():
                if key not in existing:
                    session.add(models.FlavorExtraSpec(flavor_id=flavor_id, key=key, value=value))
        session.flush()
        return _attach(session, [row])[0]


@retry_on_db_error
def flavor_destroy(ctxt: RequestContext, flavor_id: int) -> None:
    """Delete a flavor, its extra specs and access list (servers keep their own copy)."""
    with helpers.facade().writer() as session:
        row = _flavor_for_update(session, flavor_id)
        for model in (models.FlavorExtraSpec, models.FlavorProject):
            session.execute(sa.delete(model).where(model.flavor_id == flavor_id))
        session.delete(row)


@retry_on_db_error
def flavor_access_add(ctxt: RequestContext, flavor_id: int, project_id: str) -> list[str]:
    try:
        with helpers.facade().writer() as session:
            row = _flavor_for_update(session, flavor_id)
            session.add(models.FlavorProject(flavor_id=flavor_id, project_id=project_id))
            session.flush()
            return _attach(session, [row])[0].attached["projects"]
    except db_exc.DBDuplicateEntry as error:
        raise exception.FlavorAccessExists(flavor_id=flavor_id, project_id=project_id) from error


@retry_on_db_error
def flavor_access_remove(ctxt: RequestContext, flavor_id: int, project_id: str) -> list[str]:
    with helpers.facade().writer() as session:
        row = _flavor_for_update(session, flavor_id)
        result = session.execute(
            sa.delete(models.FlavorProject).where(
                models.FlavorProject.flavor_id == flavor_id,
                models.FlavorProject.project_id == project_id,
            )
        )
        if result.rowcount == 0:
            raise exception.FlavorAccessNotFound(flavor_id=flavor_id, project_id=project_id)
        session.flush()
        return _attach(session, [row])[0].attached["projects"]
