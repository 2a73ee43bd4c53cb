"""The nova database API: every query the compute service makes, one function each.

Used by nova-api, nova-conductor and nova-scheduler (through versioned objects), never
by nova-compute.  Each function is one transaction and is retried as a whole after a
deadlock or a lost connection.  Rows come back detached with their columns loaded, so
callers read them after the session is gone.

The engine is created on first use from ``[database] connection``; ``configure(url)``
and ``reset_facade()`` let tests and tools point it elsewhere.
"""

from __future__ import annotations

import threading
import uuid as uuidlib
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common import exception
from common.config import CONF
from common.context import RequestContext
from common.db import exception as db_exc
from common.db.engine import EngineFacade
from common.db.models import utcnow
from common.db.query import model_select
from common.db.retry import retry_on_db_error
from compute.db import models

MIGRATIONS = "migrations.compute"

_facade: EngineFacade | None = None
_facade_lock = threading.Lock()


def get_facade() -> EngineFacade:
    """The process's facade, created from ``CONF.database`` on first use."""
    global _facade
    with _facade_lock:
        if _facade is None:
            _facade = EngineFacade.from_conf(CONF.database)
        return _facade


def configure(url: str, **kwargs: Any) -> EngineFacade:
    """Use the database at ``url`` from now on (tests, tools); returns the new facade."""
    global _facade
    with _facade_lock:
        if _facade is not None:
            _facade.dispose()
        _facade = EngineFacade(url, **kwargs)
        return _facade


def reset_facade() -> None:
    """Forget the facade (closing its connections); the next call builds a new one."""
    global _facade
    with _facade_lock:
        if _facade is not None:
            _facade.dispose()
        _facade = None


def _service_query(ctxt: RequestContext) -> sa.Select:
    return model_select(models.Service, ctxt)


def _first(session: Session, stmt: sa.Select) -> Any:
    return session.execute(stmt.limit(1)).scalars().first()


def _service_by_id(session: Session, ctxt: RequestContext, service_id: int) -> models.Service:
    row = _first(session, _service_query(ctxt).where(models.Service.id == service_id))
    if row is None:
        raise exception.ServiceNotFound(service_id=service_id)
    return row


@retry_on_db_error
def service_get(ctxt: RequestContext, service_id: int) -> models.Service:
    with get_facade().reader() as session:
        return _service_by_id(session, ctxt, service_id)


@retry_on_db_error
def service_get_by_uuid(ctxt: RequestContext, service_uuid: str) -> models.Service:
    with get_facade().reader() as session:
        row = _first(session, _service_query(ctxt).where(models.Service.uuid == service_uuid))
    if row is None:
        raise exception.ServiceNotFound(service_id=service_uuid)
    return row


@retry_on_db_error
def service_get_by_host_and_binary(ctxt: RequestContext, host: str, binary: str) -> models.Service:
    with get_facade().reader() as session:
        stmt = _service_query(ctxt).where(
            models.Service.host == host, models.Service.binary == binary
        )
        row = _first(session, stmt)
    if row is None:
        raise exception.HostBinaryNotFound(host=host, binary=binary)
    return row


@retry_on_db_error
def service_get_by_host_and_topic(ctxt: RequestContext, host: str, topic: str) -> models.Service:
    """The enabled service consuming ``topic`` on ``host`` (disabled ones do not count)."""
    with get_facade().reader() as session:
        stmt = _service_query(ctxt).where(
            models.Service.host == host,
            models.Service.topic == topic,
            models.Service.disabled == sa.false(),
        )
        row = _first(session, stmt)
    if row is None:
        raise exception.ServiceNotFound(service_id=f"{host}/{topic}")
    return row


@retry_on_db_error
def service_get_all(ctxt: RequestContext, disabled: bool | None = None) -> list[models.Service]:
    stmt = _service_query(ctxt).order_by(models.Service.id)
    if disabled is not None:
        stmt = stmt.where(models.Service.disabled == disabled)
    with get_facade().reader() as session:
        return list(session.execute(stmt).scalars())


@retry_on_db_error
def service_get_all_by_binary(
    ctxt: RequestContext, binary: str, include_disabled: bool = True
) -> list[models.Service]:
    stmt = _service_query(ctxt).where(models.Service.binary == binary).order_by(models.Service.id)
    if not include_disabled:
        stmt = stmt.where(models.Service.disabled == sa.false())
    with get_facade().reader() as session:
        return list(session.execute(stmt).scalars())


@retry_on_db_error
def service_get_all_by_topic(ctxt: RequestContext, topic: str) -> list[models.Service]:
    """Enabled services consuming ``topic`` (the scheduler's candidates), as in Nova."""
    stmt = (
        _service_query(ctxt)
        .where(models.Service.topic == topic, models.Service.disabled == sa.false())
        .order_by(models.Service.id)
    )
    with get_facade().reader() as session:
        return list(session.execute(stmt).scalars())


@retry_on_db_error
def service_create(ctxt: RequestContext, values: dict[str, Any]) -> models.Service:
    """Insert a service row; a live row with the same host and binary (or topic) exists
    -> ``ServiceBinaryExists``."""
    row = models.Service()
    row.update(values)
    if not row.uuid:
        row.uuid = str(uuidlib.uuid4())
    try:
        with get_facade().writer() as session:
            session.add(row)
    except db_exc.DBDuplicateEntry as error:
        if "uuid" in error.columns:
            raise exception.Conflict(reason=f"service uuid {row.uuid} exists") from error
        raise exception.ServiceBinaryExists(host=row.host, binary=row.binary) from error
    return row


@retry_on_db_error
def service_update(ctxt: RequestContext, service_id: int, values: dict[str, Any]) -> models.Service:
    """Change columns of a live service.  A higher ``report_count`` is a heartbeat and
    moves ``last_seen_up`` to now, which is what up/down is computed from."""
    try:
        with get_facade().writer() as session:
            row = _service_by_id(session, ctxt, service_id)
            heartbeat = values.get("report_count", row.report_count) > row.report_count
            row.update(values)
            if heartbeat and "last_seen_up" not in values:
                row.last_seen_up = utcnow()
    except db_exc.DBDuplicateEntry as error:
        raise exception.ServiceBinaryExists(
            host=values.get("host"), binary=values.get("binary")
        ) from error
    return row


@retry_on_db_error
def service_destroy(ctxt: RequestContext, service_id: int) -> None:
    """Soft-delete the service: it disappears from every query but stays in the table."""
    with get_facade().writer() as session:
        _service_by_id(session, ctxt, service_id).soft_delete(session)


# -- the families: each lives in its own module, re-exported so callers use
# ``compute.db.api.<function>`` everywhere (as with Nova's db.api).
from compute.db.action_api import (  # noqa: E402, F401
    action_event_finish,
    action_event_start,
    action_events_get,
    action_finish,
    action_get_by_request_id,
    action_start,
    actions_get,
    instance_fault_create,
    instance_fault_get_by_instance_uuids,
)
from compute.db.aggregate_api import (  # noqa: E402, F401
    aggregate_create,
    aggregate_delete,
    aggregate_get,
    aggregate_get_all,
    aggregate_get_by_uuid,
    aggregate_host_add,
    aggregate_host_delete,
    aggregate_metadata_update,
    aggregate_update,
)
from compute.db.compute_node_api import (  # noqa: E402, F401
    compute_node_create,
    compute_node_delete,
    compute_node_get,
    compute_node_get_all,
    compute_node_get_all_by_host,
    compute_node_get_by_host_and_nodename,
    compute_node_get_by_uuid,
    compute_node_search_by_hypervisor,
    compute_node_update,
)
from compute.db.flavor_api import (  # noqa: E402, F401
    flavor_access_add,
    flavor_access_remove,
    flavor_create,
    flavor_destroy,
    flavor_get,
    flavor_get_all,
    flavor_get_by_flavor_id,
    flavor_get_by_name,
    flavor_update,
)
from compute.db.instance_api import (  # noqa: E402, F401
    instance_create,
    instance_create_many_with_quota,
    instance_destroy,
    instance_get,
    instance_get_all_by_filters,
    instance_get_all_by_host,
    instance_get_by_uuid,
    instance_update,
)
from compute.db.instance_group_api import (  # noqa: E402, F401
    instance_group_create,
    instance_group_delete,
    instance_group_get,
    instance_group_get_all,
    instance_group_get_by_instance,
    instance_group_get_by_name,
    instance_group_member_delete,
    instance_group_members_add,
    instance_group_update,
)
from compute.db.keypair_api import (  # noqa: E402, F401
    key_pair_count_by_user,
    key_pair_create,
    key_pair_destroy,
    key_pair_get,
    key_pair_get_all_by_user,
)
from compute.db.quota_api import (  # noqa: E402, F401
    ensure_project_lock_row,
    quota_class_get,
    quota_class_update,
    quota_destroy_all_by_project,
    quota_destroy_all_by_project_and_user,
    quota_limits_get,
    quota_set,
    quota_usage_get,
)
