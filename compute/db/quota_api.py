"""Quota limits and usage counts (Nova's quotas, project_user_quotas, quota_classes).

Usage is counted, never stored: servers, cores and RAM from the instances table, key
pairs, server groups and their members from theirs.  ``lock_project`` serializes the
count-then-create of one project (see ``instance_api.instance_create_many_with_quota``).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.context import RequestContext
from common.db import exception as db_exc
from common.db.retry import retry_on_db_error
from compute import exception, quota
from compute.db import helpers, models

SOFT_DELETED = "soft-delete"
LOCK_RESOURCE = "instances"
LOCK_USER = ""  # the project-wide row: '' rather than NULL, so the unique key holds


# -- the per-project lock -----------------------------------------------------------------------
def _lock_stmt(project_id: str) -> sa.Select:
    usage = models.QuotaUsage
    return sa.select(usage).where(
        usage.project_id == project_id,
        usage.user_id == LOCK_USER,
        usage.resource == LOCK_RESOURCE,
        usage.deleted == 0,
    )


@retry_on_db_error
def ensure_project_lock_row(project_id: str) -> None:
    """Create the project's lock row once, in a transaction of its own (a failed insert
    would abort the caller's transaction on PostgreSQL); losing the race is fine."""
    with helpers.facade().reader() as session:
        if helpers.first(session, _lock_stmt(project_id)) is not None:
            return
    try:
        with helpers.facade().writer() as session:
            if helpers.first(session, _lock_stmt(project_id)) is None:
                session.add(
                    models.QuotaUsage(
                        project_id=project_id,
                        user_id=LOCK_USER,
                        resource=LOCK_RESOURCE,
                        in_use=0,
                        reserved=0,
                    )
                )
    except db_exc.DBDuplicateEntry:
        pass


def lock_project(session: Session, project_id: str) -> None:
    """Hold the project's lock row until the transaction ends.

    MySQL/MariaDB: the transaction is switched to READ COMMITTED first, so the counts
    read after the lock is granted see what the previous holder committed (REPEATABLE
    READ would keep showing an older snapshot).  PostgreSQL reads committed data per
    statement already; SQLite's writer transaction (BEGIN IMMEDIATE) is exclusive.
    """
    if session.get_bind().dialect.name == "mysql":
        session.connection(execution_options={"isolation_level": "READ COMMITTED"})
    row = session.execute(_lock_stmt(project_id).with_for_update()).scalars().first()
    if row is None:
        raise exception.ProjectQuotaNotFound(project_id=project_id)


def record_usage(session: Session, project_id: str) -> None:
    """Leave the count in the lock row (``in_use``) for operators to look at."""
    counted = count_instances(session, project_id, None)["project"]["instances"]
    session.execute(
        sa.update(models.QuotaUsage)
        .where(
            models.QuotaUsage.project_id == project_id,
            models.QuotaUsage.user_id == LOCK_USER,
            models.QuotaUsage.resource == LOCK_RESOURCE,
            models.QuotaUsage.deleted == 0,
        )
        .values(in_use=counted)
        .execution_options(synchronize_session=False)
    )


# -- counting -----------------------------------------------------------------------------------
def _instance_usage(session: Session, *conditions: sa.ColumnElement) -> dict[str, int]:
    instance = models.Instance
    stmt = sa.select(
        sa.func.count(instance.id),
        sa.func.coalesce(sa.func.sum(instance.vcpus), 0),
        sa.func.coalesce(sa.func.sum(instance.memory_mb), 0),
    ).where(
        instance.deleted == 0,
        sa.or_(instance.vm_state != SOFT_DELETED, instance.vm_state.is_(None)),
        *conditions,
    )
    count, cores, ram = session.execute(stmt).one()
    return {"instances": int(count), "cores": int(cores), "ram": int(ram)}


def count_instances(
    session: Session, project_id: str, user_id: str | None
) -> dict[str, dict[str, int]]:
    """Servers, cores and RAM in use by the project and by the user (soft-deleted
    servers do not count, as in Nova)."""
    project = _instance_usage(session, models.Instance.project_id == project_id)
    user = (
        _instance_usage(
            session,
            models.Instance.project_id == project_id,
            models.Instance.user_id == user_id,
        )
        if user_id is not None
        else dict(project)
    )
    return {"project": project, "user": user}


def _count(session: Session, stmt: sa.Select) -> int:
    return int(session.execute(stmt).scalar_one())


def count_usage(
    session: Session,
    resources: list[str],
    project_id: str,
    user_id: str | None,
    group_uuid: str | None = None,
) -> dict[str, dict[str, int]]:
    """Usage of the counted ``resources`` at project and user level."""
    result: dict[str, dict[str, int]] = {"project": {}, "user": {}}
    if any(r in quota.INSTANCE_RESOURCES for r in resources):
        counted = count_instances(session, project_id, user_id)
        for level in result:
            result[level].update(counted[level])
    if "key_pairs" in resources and user_id is not None:
        stmt = sa.select(sa.func.count(models.KeyPair.id)).where(models.KeyPair.user_id == user_id)
        result["user"]["key_pairs"] = result["project"]["key_pairs"] = _count(session, stmt)
    if "server_groups" in resources:
        group = models.InstanceGroup
        stmt = sa.select(sa.func.count(group.id)).where(group.project_id == project_id)
        result["project"]["server_groups"] = _count(session, stmt)
        result["user"]["server_groups"] = (
            _count(session, stmt.where(group.user_id == user_id))
            if user_id is not None
            else result["project"]["server_groups"]
        )
    if "server_group_members" in resources and group_uuid is not None:
        member, group = models.InstanceGroupMember, models.InstanceGroup
        stmt = (
            sa.select(sa.func.count(member.id))
            .join(group, group.id == member.group_id)
            .where(group.uuid == group_uuid)
        )
        counted_members = _count(session, stmt)
        result["project"]["server_group_members"] = counted_members
        result["user"]["server_group_members"] = counted_members
    return result


@retry_on_db_error
def quota_usage_get(
    ctxt: RequestContext,
    resources: list[str],
    project_id: str,
    user_id: str | None = None,
    group_uuid: str | None = None,
) -> dict[str, dict[str, int]]:
    with helpers.facade().reader() as session:
        return count_usage(session, resources, project_id, user_id, group_uuid)


# -- limits -------------------------------------------------------------------------------------
def _limits(session: Session, stmt: sa.Select) -> dict[str, int | None]:
    return {row.resource: row.hard_limit for row in session.execute(stmt).scalars()}


def class_limits(session: Session, class_name: str = "default") -> dict[str, int | None]:
    return _limits(
        session, sa.select(models.QuotaClass).where(models.QuotaClass.class_name == class_name)
    )


def project_limits(session: Session, project_id: str) -> dict[str, int | None]:
    return _limits(session, sa.select(models.Quota).where(models.Quota.project_id == project_id))


def user_limits(session: Session, project_id: str, user_id: str | None) -> dict[str, int | None]:
    if user_id is None:
        return {}
    model = models.ProjectUserQuota
    return _limits(
        session,
        sa.select(model).where(model.project_id == project_id, model.user_id == user_id),
    )


def effective_limits(
    session: Session, project_id: str, user_id: str | None
) -> dict[str, dict[str, int]]:
    defaults = quota.default_limits(class_limits(session))
    return quota.effective_limits(
        defaults, project_limits(session, project_id), user_limits(session, project_id, user_id)
    )


@retry_on_db_error
def quota_limits_get(
    ctxt: RequestContext, project_id: str, user_id: str | None = None
) -> dict[str, dict[str, int]]:
    """``{"defaults", "project", "user"}`` limits that apply to the project (and user)."""
    with helpers.facade().reader() as session:
        limits = effective_limits(session, project_id, user_id)
        limits["defaults"] = quota.default_limits(class_limits(session))
        return limits


@retry_on_db_error
def quota_class_get(ctxt: RequestContext, class_name: str) -> dict[str, int | None]:
    with helpers.facade().reader() as session:
        return class_limits(session, class_name)


@retry_on_db_error
def quota_class_update(ctxt: RequestContext, class_name: str, resource: str, limit: int) -> None:
    """Set a class's limit (creating the row when the class has none for it)."""
    _check_resource(resource)
    with helpers.facade().writer() as session:
        model = models.QuotaClass
        stmt = sa.select(model).where(model.class_name == class_name, model.resource == resource)
        row = helpers.first(session, stmt)
        if row is None:
            session.add(model(class_name=class_name, resource=resource, hard_limit=limit))
        else:
            row.hard_limit = limit


def _check_resource(resource: str) -> None:
    if resource not in quota.RESOURCES:
        raise exception.Invalid(reason=f"Unknown quota resource {resource}")


@retry_on_db_error
def quota_set(
    ctxt: RequestContext, project_id: str, resource: str, limit: int, user_id: str | None = None
) -> None:
    """Create or change the project's (or the user's in the project) limit."""
    _check_resource(resource)
    try:
        with helpers.facade().writer() as session:
            if user_id is None:
                model: Any = models.Quota
                stmt = sa.select(model).where(
                    model.project_id == project_id, model.resource == resource
                )
                values: dict[str, Any] = {"project_id": project_id}
            else:
                model = models.ProjectUserQuota
                stmt = sa.select(model).where(
                    model.project_id == project_id,
                    model.user_id == user_id,
                    model.resource == resource,
                )
                values = {"project_id": project_id, "user_id": user_id}
            row = helpers.first(session, stmt)
            if row is None:
                session.add(model(resource=resource, hard_limit=limit, **values))
            else:
                row.hard_limit = limit
    except db_exc.DBDuplicateEntry as error:
        # Someone created it meanwhile: run again, it is an update now.
        raise db_exc.DBDeadlock(inner=error, reason="concurrent quota create") from error


@retry_on_db_error
def quota_destroy_all_by_project(ctxt: RequestContext, project_id: str) -> None:
    """Back to the defaults: drop the project's limits and its users'."""
    with helpers.facade().writer() as session:
        session.execute(sa.delete(models.Quota).where(models.Quota.project_id == project_id))
        session.execute(
            sa.delete(models.ProjectUserQuota).where(
                models.ProjectUserQuota.project_id == project_id
            )
        )


@retry_on_db_error
def quota_destroy_all_by_project_and_user(
    ctxt: RequestContext, project_id: str, user_id: str
) -> None:
    with helpers.facade().writer() as session:
        session.execute(
            sa.delete(models.ProjectUserQuota).where(
                models.ProjectUserQuota.project_id == project_id,
                models.ProjectUserQuota.user_id == user_id,
            )
        )
