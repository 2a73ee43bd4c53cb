"""Cinder's quotas, counted: limits from the tables, usage from the volumes and
snapshots themselves, and the per-project lock that makes count-then-create race-free.

Resources: ``volumes``, ``snapshots``, ``gigabytes`` (volumes plus snapshots, unless
``no_snapshot_gb_quota``), ``backups``, ``backup_gigabytes``, ``groups``,
``per_volume_gigabytes`` (a size limit, not counted) and, per volume type,
``volumes_<type>``, ``snapshots_<type>``, ``gigabytes_<type>`` (-1 unless set).

Limits, most specific first: the project's (``quotas``), the ``default`` quota class
(``use_default_quota_class``), then the ``quota_*`` options.  -1 is unlimited.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from blockstorage import exception
from blockstorage.db import helpers, models
from common.config import CONF
from common.context import RequestContext
from common.db import exception as db_exc
from common.db.retry import retry_on_db_error

T = TypeVar("T")

LOCK_RESOURCE = "volumes"
UNLIMITED = -1
# Resource -> the [DEFAULT] option holding its built-in default.
RESOURCE_OPTIONS = {
    "volumes": "quota_volumes",
    "snapshots": "quota_snapshots",
    "gigabytes": "quota_gigabytes",
    "backups": "quota_backups",
    "backup_gigabytes": "quota_backup_gigabytes",
    "groups": "quota_groups",
    "per_volume_gigabytes": "per_volume_size_limit",
}
RESOURCES = tuple(RESOURCE_OPTIONS)
TYPE_RESOURCES = ("volumes", "snapshots", "gigabytes")


# -- the per-project lock ------------------------------------------------------------------
def _lock_stmt(project_id: str) -> sa.Select:
    usage = models.QuotaUsage
    return sa.select(usage).where(usage.project_id == project_id, usage.resource == LOCK_RESOURCE)


@retry_on_db_error
def ensure_project_lock_row(project_id: str) -> None:
    """Create the project's lock row once, in its own transaction (a failed insert would
    abort the caller's on PostgreSQL); losing the race to another request is fine."""
    with helpers.facade().reader() as session:
        if helpers.first(session, _lock_stmt(project_id)) is not None:
            return
    try:
        with helpers.facade().writer() as session:
            if helpers.first(session, _lock_stmt(project_id)) is None:
                session.add(
                    models.QuotaUsage(
                        project_id=project_id, resource=LOCK_RESOURCE, in_use=0, reserved=0
                    )
                )
    except db_exc.DBDuplicateEntry:
        pass


def lock_project(session: Session, project_id: str) -> None:
    """Hold the project's lock row until the transaction ends (READ COMMITTED on MySQL so
    the counts that follow see what the previous holder committed)."""
    if session.get_bind().dialect.name == "mysql":
        session.connection(execution_options={"isolation_level": "READ COMMITTED"})
    if session.execute(_lock_stmt(project_id).with_for_update()).scalars().first() is None:
        raise exception.ProjectQuotaNotFound(project_id=project_id)


# -- counting ------------------------------------------------------------------------------
def _type_names(session: Session) -> dict[str, str]:
    rows = session.execute(sa.select(models.VolumeType.id, models.VolumeType.name)).all()
    return {type_id: name for type_id, name in rows}


def count_usage(session: Session, project_id: str) -> dict[str, int]:
    """What the project uses now, per resource (per-type resources included)."""
    names = _type_names(session)
    vol, snap = models.Volume, models.Snapshot
    usage: dict[str, int] = dict.fromkeys(RESOURCES, 0)
    volume_rows = session.execute(
        sa.select(
            vol.volume_type_id, sa.func.count(vol.id), sa.func.coalesce(sa.func.sum(vol.size), 0)
        )
        .where(vol.project_id == project_id, vol.deleted == sa.false(), vol.use_quota == sa.true())
        .group_by(vol.volume_type_id)
    ).all()
    snapshot_rows = session.execute(
        sa.select(
            snap.volume_type_id,
            sa.func.count(snap.id),
            sa.func.coalesce(sa.func.sum(snap.volume_size), 0),
        )
        .where(
            snap.project_id == project_id, snap.deleted == sa.false(), snap.use_quota == sa.true()
        )
        .group_by(snap.volume_type_id)
    ).all()
    count_snapshot_gb = not CONF.no_snapshot_gb_quota
    for kind, rows in (("volumes", volume_rows), ("snapshots", snapshot_rows)):
        for type_id, count, size in rows:
            usage[kind] += int(count)
            type_name = names.get(type_id)
            if type_name:
                usage[f"{kind}_{type_name}"] = usage.get(f"{kind}_{type_name}", 0) + int(count)
            if kind == "volumes" or count_snapshot_gb:
                usage["gigabytes"] += int(size)
                if type_name:
                    key = f"gigabytes_{type_name}"
                    usage[key] = usage.get(key, 0) + int(size)
    return usage


# -- limits --------------------------------------------------------------------------------
def _rows(session: Session, stmt: sa.Select) -> dict[str, int | None]:
    return {row.resource: row.hard_limit for row in session.execute(stmt).scalars()}


def class_limits(session: Session, class_name: str = "default") -> dict[str, int | None]:
    model = models.QuotaClass
    return _rows(session, helpers.live(model).where(model.class_name == class_name))


def default_limits(session: Session) -> dict[str, int]:
    """Every resource's default, per-type resources included (-1 unless a class row sets
    one)."""
    stored = class_limits(session) if CONF.use_default_quota_class else {}
    result = {}
    for resource, option in RESOURCE_OPTIONS.items():
        configured = getattr(CONF, option)
        result[resource] = stored.get(resource) if stored.get(resource) is not None else configured
    for type_name in _type_names_live(session):
        for kind in TYPE_RESOURCES:
            key = f"{kind}_{type_name}"
            result[key] = stored.get(key) if stored.get(key) is not None else UNLIMITED
    return result


def _type_names_live(session: Session) -> list[str]:
    stmt = sa.select(models.VolumeType.name).where(models.VolumeType.deleted == sa.false())
    return [name for name in session.execute(stmt.order_by(models.VolumeType.name)).scalars()]


def project_limits(session: Session, project_id: str) -> dict[str, int]:
    model = models.Quota
    own = _rows(session, helpers.live(model).where(model.project_id == project_id))
    limits = default_limits(session)
    for resource, limit in own.items():
        if limit is not None and resource in limits:
            limits[resource] = limit
    return limits


# -- checking ------------------------------------------------------------------------------
def check_deltas(
    deltas: Mapping[str, int], usage: Mapping[str, int], limits: Mapping[str, int]
) -> None:
    """Raise Cinder's over-quota error for the first resource the deltas would pass
    (sizes first, as Cinder reports them)."""
    overs = [
        r
        for r, delta in deltas.items()
        if delta > 0 and limits.get(r, UNLIMITED) >= 0 and usage.get(r, 0) + delta > limits[r]
    ]
    for resource in sorted(overs, key=lambda r: (not r.startswith("gigabytes"), r)):
        if resource.startswith("gigabytes"):
            raise exception.VolumeSizeExceedsAvailableQuota(
                name=resource,
                requested=deltas[resource],
                quota=limits[resource],
                consumed=usage.get(resource, 0),
            )
        if resource.startswith("volumes"):
            raise exception.VolumeLimitExceeded(allowed=limits[resource], name=resource)
        if resource.startswith("snapshots"):
            raise exception.SnapshotLimitExceeded(allowed=limits[resource])
        raise exception.OverQuota(overs=resource)


def check_size_limit(size: int, limits: Mapping[str, int]) -> None:
    limit = limits.get("per_volume_gigabytes", UNLIMITED)
    if limit >= 0 and size > limit:
        raise exception.VolumeSizeExceedsLimit(size=size, limit=limit)


def with_quota(project_id: str, deltas: Mapping[str, int], work: Callable[[Session], T]) -> T:
    """Run ``work(session)`` in the transaction that holds the project's lock, after the
    counted usage plus ``deltas`` was found within the limits.  Not retried here: the
    caller's DB API function is."""
    ensure_project_lock_row(project_id)
    with helpers.facade().writer() as session:
        lock_project(session, project_id)
        positive = {r: d for r, d in deltas.items() if d > 0}
        if positive:
            check_deltas(
                positive, count_usage(session, project_id), project_limits(session, project_id)
            )
        result = work(session)
        session.flush()
        session.execute(
            sa.update(models.QuotaUsage)
            .where(
                models.QuotaUsage.project_id == project_id,
                models.QuotaUsage.resource == LOCK_RESOURCE,
            )
            .values(in_use=count_usage(session, project_id)["volumes"])
            .execution_options(synchronize_session=False)
        )
        return result


# -- the quota API's reads and writes ------------------------------------------------------
@retry_on_db_error
def quota_get_project(
    ctxt: RequestContext, project_id: str, usages: bool = False
) -> dict[str, Any]:
    """``{resource: limit}``, or with ``usages`` ``{resource: {"limit", "in_use",
    "reserved"}}`` (nothing is ever reserved: usage is counted)."""
    with helpers.facade().reader() as session:
        limits = project_limits(session, project_id)
        if not usages:
            return limits
        counted = count_usage(session, project_id)
        return {
            r: {"limit": limit, "in_use": counted.get(r, 0), "reserved": 0}
            for r, limit in limits.items()
        }


@retry_on_db_error
def quota_get_defaults(ctxt: RequestContext) -> dict[str, int]:
    with helpers.facade().reader() as session:
        return default_limits(session)


@retry_on_db_error
def quota_class_get(ctxt: RequestContext, class_name: str) -> dict[str, int | None]:
    with helpers.facade().reader() as session:
        return class_limits(session, class_name)


@retry_on_db_error
def quota_usage_get(ctxt: RequestContext, project_id: str) -> dict[str, int]:
    with helpers.facade().reader() as session:
        return count_usage(session, project_id)


@retry_on_db_error
def quota_set(ctxt: RequestContext, project_id: str, resource: str, limit: int) -> None:
    """Create or change the project's limit of ``resource``."""
    try:
        with helpers.facade().writer() as session:
            model = models.Quota
            row = helpers.first(
                session,
                helpers.live(model).where(
                    model.project_id == project_id, model.resource == resource
                ),
            )
            if row is None:
                session.add(model(project_id=project_id, resource=resource, hard_limit=limit))
            else:
                row.hard_limit = limit
    except db_exc.DBDuplicateEntry as error:
        raise db_exc.DBDeadlock(inner=error, reason="concurrent quota create") from error


@retry_on_db_error
def quota_destroy_all_by_project(ctxt: RequestContext, project_id: str) -> None:
    """Back to the defaults."""
    with helpers.facade().writer() as session:
        for row in session.execute(
            helpers.live(models.Quota).where(models.Quota.project_id == project_id)
        ).scalars():
            row.soft_delete(session)
