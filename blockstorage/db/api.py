"""The cinder database API: every query the block storage service makes, one each.

Used by cinder-api, cinder-scheduler and cinder-volume (Cinder's workers do have
database access, unlike nova-compute).  Each function is one transaction and is
retried as a whole after a deadlock or a lost connection.  Rows come back detached
with their columns loaded, so callers read them after the session is gone.

The engine is created on first use from ``[database] connection``; ``configure(url)``
and ``reset_facade()`` let tests and tools point it elsewhere.
"""

from __future__ import annotations

from typing import Any

from blockstorage.db import models
from common.context import RequestContext
from common.db.models import utcnow
from common.db.services import LazyFacade, ServiceQueries

MIGRATIONS = "migrations.blockstorage"

_FACADE = LazyFacade()
get_facade = _FACADE.get
configure = _FACADE.configure
reset_facade = _FACADE.reset

_services = ServiceQueries(models.Service, get_facade)
service_get = _services.get
service_get_by_uuid = _services.get_by_uuid
service_get_by_host_and_binary = _services.get_by_host_and_binary
service_get_by_host_and_topic = _services.get_by_host_and_topic
service_get_all = _services.get_all
service_get_all_by_binary = _services.get_all_by_binary
service_get_all_by_topic = _services.get_all_by_topic
service_create = _services.create
service_destroy = _services.destroy


def _apply_service_update(session: Any, row: models.Service, values: dict[str, Any]) -> None:
    keep_heartbeat = "disabled" in values and "updated_at" not in values
    if "disabled" in values:
        values = {**values, "modified_at": values.get("modified_at") or utcnow()}
    row.update(values)
    if keep_heartbeat:
        # SET updated_at = updated_at: suppresses the column's onupdate.
        row.updated_at = models.Service.updated_at
        session.flush()
        session.refresh(row)


def service_update(ctxt: RequestContext, service_id: int, values: dict[str, Any]) -> models.Service:
    """Change columns of a live service.

    ``updated_at`` is Cinder's heartbeat, so enabling or disabling a service must not
    move it (that would show a dead service up); ``modified_at`` records that change.
    """
    return _services.update(ctxt, service_id, values, _apply_service_update)
