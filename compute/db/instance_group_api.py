"""Server groups (``instance_groups`` with their policy and members).

A group's ``hosts`` are not stored: they are the hosts of its live members, read from
the instances table when the group is loaded.
"""

from __future__ import annotations

import json
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


def _visible(ctxt: RequestContext, stmt: sa.Select) -> sa.Select:
    if ctxt.is_admin or ctxt.project_id is None:
        return stmt
    return stmt.where(models.InstanceGroup.project_id == ctxt.project_id)


def _attach(session: Session, rows: Sequence[models.InstanceGroup]) -> list[models.InstanceGroup]:
    """Give each row ``policy``, ``rules`` (dict), ``members`` and ``hosts``."""
    by_id = {row.id: row for row in rows}
    for row in rows:
        row.attached = {"policy": None, "rules": {}, "members": [], "hosts": []}
    member_group: dict[str, int] = {}
    for chunk in helpers.chunks(list(by_id)):
        policies = sa.select(models.InstanceGroupPolicy).where(
            models.InstanceGroupPolicy.group_id.in_(chunk)
        )
        for item in session.execute(policies.order_by(models.InstanceGroupPolicy.id)).scalars():
            by_id[item.group_id].attached["policy"] = item.policy
            by_id[item.group_id].attached["rules"] = json.loads(item.rules or "{}")
        members = sa.select(models.InstanceGroupMember).where(
            models.InstanceGroupMember.group_id.in_(chunk)
        )
        for item in session.execute(members.order_by(models.InstanceGroupMember.id)).scalars():
            by_id[item.group_id].attached["members"].append(item.instance_uuid)
            member_group[item.instance_uuid] = item.group_id
    for chunk in helpers.chunks(list(member_group)):
        stmt = sa.select(models.Instance.uuid, models.Instance.host).where(
            models.Instance.uuid.in_(chunk),
            models.Instance.deleted == 0,
            models.Instance.host.is_not(None),
        )
        for instance_uuid, host in session.execute(stmt):
            hosts = by_id[member_group[instance_uuid]].attached["hosts"]
            if host not in hosts:
                hosts.append(host)
    return list(rows)


def _by_uuid(session: Session, ctxt: RequestContext, group_uuid: str) -> models.InstanceGroup:
    stmt = _visible(ctxt, sa.select(models.InstanceGroup)).where(
        models.InstanceGroup.uuid == group_uuid
    )
    row = helpers.first(session, stmt)
    if row is None:
        raise exception.InstanceGroupNotFound(group_uuid=group_uuid)
    return row


@retry_on_db_error
def instance_group_get(ctxt: RequestContext, group_uuid: str) -> models.InstanceGroup:
    with helpers.facade().reader() as session:
        return _attach(session, [_by_uuid(session, ctxt, group_uuid)])[0]


@retry_on_db_error
def instance_group_get_by_name(ctxt: RequestContext, name: str) -> models.InstanceGroup:
    """The context's project's group called ``name``."""
    stmt = sa.select(models.InstanceGroup).where(
        models.InstanceGroup.name == name, models.InstanceGroup.project_id == ctxt.project_id
    )
    with helpers.facade().reader() as session:
        row = helpers.first(session, stmt.order_by(models.InstanceGroup.id))
        if row is None:
            raise exception.InstanceGroupNotFound(group_uuid=name)
        return _attach(session, [row])[0]


@retry_on_db_error
def instance_group_get_by_instance(
    ctxt: RequestContext, instance_uuid: str
) -> models.InstanceGroup:
    stmt = (
        sa.select(models.InstanceGroup)
        .join(
            models.InstanceGroupMember,
            models.InstanceGroupMember.group_id == models.InstanceGroup.id,
        )
        .where(models.InstanceGroupMember.instance_uuid == instance_uuid)
    )
    with helpers.facade().reader() as session:
        row = helpers.first(session, stmt)
        if row is None:
            raise exception.InstanceGroupNotFound(group_uuid="")
        return _attach(session, [row])[0]


@retry_on_db_error
def instance_group_get_all(
    ctxt: RequestContext, project_id: str | None = None
) -> list[models.InstanceGroup]:
    stmt = _visible(ctxt, sa.select(models.InstanceGroup)).order_by(models.InstanceGroup.id)
    if project_id is not None:
        stmt = stmt.where(models.InstanceGroup.project_id == project_id)
    with helpers.facade().reader() as session:
        return _attach(session, list(session.execute(stmt).scalars()))


def _add_members(session: Session, group_id: int, instance_uuids: Sequence[str]) -> list[str]:
    existing = set(
        session.execute(
            sa.select(models.InstanceGroupMember.instance_uuid).where(
                models.InstanceGroupMember.group_id == group_id
            )
        ).scalars()
    )
    added = []
    for instance_uuid in instance_uuids:
        if instance_uuid not in existing:
            session.add(models.InstanceGroupMember(group_id=group_id, instance_uuid=instance_uuid))
            existing.add(instance_uuid)
            added.append(instance_uuid)
    return added


@retry_on_db_error
def instance_group_create(
    ctxt: RequestContext,
    values: dict[str, Any],
    policy: str | None = None,
    rules: dict[str, Any] | None = None,
    members: Sequence[str] = (),
) -> models.InstanceGroup:
    row = models.InstanceGroup(
        uuid=values.get("uuid") or str(uuidlib.uuid4()),
        name=values.get("name"),
        user_id=values.get("user_id"),
        project_id=values.get("project_id"),
    )
    try:
        with helpers.facade().writer() as session:
            session.add(row)
            session.flush()
            if policy is not None:
                session.add(
                    models.InstanceGroupPolicy(
                        group_id=row.id, policy=policy, rules=json.dumps(rules or {})
                    )
                )
            _add_members(session, row.id, members)
            session.flush()
            return _attach(session, [row])[0]
    except db_exc.DBDuplicateEntry as error:
        raise exception.InstanceGroupIdExists(group_uuid=row.uuid) from error


@retry_on_db_error
def instance_group_update(
    ctxt: RequestContext, group_uuid: str, values: dict[str, Any]
) -> models.InstanceGroup:
    """Rename, and/or make the member list equal ``values["members"]``."""
    with helpers.facade().writer() as session:
        row = _by_uuid(session, ctxt, group_uuid)
        if "name" in values:
            row.name = values["name"]
        if values.get("members") is not None:
            wanted = list(values["members"])
            session.execute(
                sa.delete(models.InstanceGroupMember).where(
                    models.InstanceGroupMember.group_id == row.id,
                    models.InstanceGroupMember.instance_uuid.not_in(wanted),
                )
            )
            _add_members(session, row.id, wanted)
        session.flush()
        return _attach(session, [row])[0]


@retry_on_db_error
def instance_group_members_add(
    ctxt: RequestContext, group_uuid: str, instance_uuids: Sequence[str]
) -> list[str]:
    """Add members (those already in stay once); returns the ones added."""
    with helpers.facade().writer() as session:
        row = _by_uuid(session, ctxt, group_uuid)
        return _add_members(session, row.id, instance_uuids)


@retry_on_db_error
def instance_group_member_delete(ctxt: RequestContext, group_uuid: str, instance_uuid: str) -> None:
    with helpers.facade().writer() as session:
        row = _by_uuid(session, ctxt, group_uuid)
        result = session.execute(
            sa.delete(models.InstanceGroupMember).where(
                models.InstanceGroupMember.group_id == row.id,
                models.InstanceGroupMember.instance_uuid == instance_uuid,
            )
        )
    if result.rowcount == 0:
        raise exception.InstanceGroupMemberNotFound(
            group_uuid=group_uuid, instance_id=instance_uuid
        )


@retry_on_db_error
def instance_group_delete(ctxt: RequestContext, group_uuid: str) -> None:
    with helpers.facade().writer() as session:
        row = _by_uuid(session, ctxt, group_uuid)
        for model in (models.InstanceGroupPolicy, models.InstanceGroupMember):
            session.execute(sa.delete(model).where(model.group_id == row.id))
        session.delete(row)
