"""Compute nodes: one row per hypervisor a nova-compute manages (soft-deleted)."""

from __future__ import annotations

import uuid as uuidlib
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.context import RequestContext
from common.db import exception as db_exc
from common.db.query import model_select
from common.db.retry import retry_on_db_error
from compute import exception
from compute.db import helpers, models

COLUMNS = frozenset(models.ComputeNode.column_names())


def _query(ctxt: RequestContext) -> sa.Select:
    return model_select(models.ComputeNode, ctxt).order_by(models.ComputeNode.id)


def _get(session: Session, ctxt: RequestContext, compute_id: int) -> models.ComputeNode:
    row = helpers.first(session, _query(ctxt).where(models.ComputeNode.id == compute_id))
    if row is None:
        raise exception.ComputeNodeNotFound(node=compute_id)
    return row


@retry_on_db_error
def compute_node_get(ctxt: RequestContext, compute_id: int) -> models.ComputeNode:
    with helpers.facade().reader() as session:
        return _get(session, ctxt, compute_id)


@retry_on_db_error
def compute_node_get_by_uuid(ctxt: RequestContext, node_uuid: str) -> models.ComputeNode:
    with helpers.facade().reader() as session:
        row = helpers.first(session, _query(ctxt).where(models.ComputeNode.uuid == node_uuid))
    if row is None:
        raise exception.ComputeNodeNotFound(node=node_uuid)
    return row


@retry_on_db_error
def compute_node_get_by_host_and_nodename(
    ctxt: RequestContext, host: str, nodename: str
) -> models.ComputeNode:
    with helpers.facade().reader() as session:
        stmt = _query(ctxt).where(
            models.ComputeNode.host == host, models.ComputeNode.hypervisor_hostname == nodename
        )
        row = helpers.first(session, stmt)
    if row is None:
        raise exception.ComputeHostNotFound(host=host)
    return row


@retry_on_db_error
def compute_node_get_all(ctxt: RequestContext) -> list[models.ComputeNode]:
    with helpers.facade().reader() as session:
        return list(session.execute(_query(ctxt)).scalars())


@retry_on_db_error
def compute_node_get_all_by_host(ctxt: RequestContext, host: str) -> list[models.ComputeNode]:
    """The host's nodes; none -> ``ComputeHostNotFound`` (as Nova)."""
    with helpers.facade().reader() as session:
        rows = list(session.execute(_query(ctxt).where(models.ComputeNode.host == host)).scalars())
    if not rows:
        raise exception.ComputeHostNotFound(host=host)
    return rows


@retry_on_db_error
def compute_node_search_by_hypervisor(
    ctxt: RequestContext, hypervisor_match: str
) -> list[models.ComputeNode]:
    """Nodes whose hypervisor_hostname contains ``hypervisor_match`` (os-hypervisors)."""
    pattern = "%" + hypervisor_match.replace("%", r"\%").replace("_", r"\_") + "%"
    stmt = _query(ctxt).where(models.ComputeNode.hypervisor_hostname.like(pattern, escape="\\"))
    with helpers.facade().reader() as session:
        return list(session.execute(stmt).scalars())


@retry_on_db_error
def compute_node_create(ctxt: RequestContext, values: dict[str, Any]) -> models.ComputeNode:
    values = {k: v for k, v in values.items() if k in COLUMNS and k != "id"}
    values.setdefault("uuid", str(uuidlib.uuid4()))
    row = models.ComputeNode(**values)
    try:
        with helpers.facade().writer() as session:
            session.add(row)
    except db_exc.DBDuplicateEntry as error:
        raise exception.ComputeNodeExists(
            host=values.get("host"), node=values.get("hypervisor_hostname")
        ) from error
    return row


@retry_on_db_error
def compute_node_update(
    ctxt: RequestContext, compute_id: int, values: dict[str, Any]
) -> models.ComputeNode:
    with helpers.facade().writer() as session:
        row = _get(session, ctxt, compute_id)
        row.update({k: v for k, v in values.items() if k in COLUMNS and k != "id"})
    return row


@retry_on_db_error
def compute_node_delete(ctxt: RequestContext, compute_id: int) -> None:
    with helpers.facade().writer() as session:
        _get(session, ctxt, compute_id).soft_delete(session)
