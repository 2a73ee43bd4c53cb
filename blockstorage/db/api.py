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


# -- the families: each lives in its own module, re-exported so callers use
# ``blockstorage.db.api.<function>`` everywhere (as with Cinder's db.api).
from blockstorage.db.message_api import (  # noqa: E402, F401
    message_create,
    message_destroy,
    message_get,
    message_get_all,
)
from blockstorage.db.quota_api import (  # noqa: E402, F401
    quota_class_get,
    quota_destroy_all_by_project,
    quota_get_defaults,
    quota_get_project,
    quota_set,
    quota_usage_get,
)
from blockstorage.db.snapshot_api import (  # noqa: E402, F401
    snapshot_conditional_update,
    snapshot_create,
    snapshot_create_with_quota,
    snapshot_destroy,
    snapshot_get,
    snapshot_get_all,
    snapshot_update,
)
from blockstorage.db.type_api import (  # noqa: E402, F401
    volume_type_access_add,
    volume_type_access_remove,
    volume_type_create,
    volume_type_destroy,
    volume_type_extra_specs_delete,
    volume_type_extra_specs_update_or_create,
    volume_type_get,
    volume_type_get_all,
    volume_type_get_by_name,
    volume_type_update,
)
from blockstorage.db.volume_api import (  # noqa: E402, F401
    volume_attach,
    volume_attached,
    volume_attachment_get,
    volume_attachment_get_all,
    volume_attachment_update,
    volume_conditional_update,
    volume_create,
    volume_create_with_quota,
    volume_destroy,
    volume_detached,
    volume_extend_with_quota,
    volume_get,
    volume_get_all,
    volume_get_all_by_host,
    volume_glance_metadata_bulk_create,
    volume_summary,
    volume_update,
)
