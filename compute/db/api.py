"""The nova database API: every query the compute service makes, one function each.

Used by nova-api, nova-conductor and nova-scheduler (through versioned objects), never
by nova-compute.  Each function is one transaction and is retried as a whole after a
deadlock or a lost connection.  Rows come back detached with their columns loaded, so
callers read them after the session is gone.

The engine is created on first use from ``[database] connection``; ``configure(url)``
and ``reset_facade()`` let tests and tools point it elsewhere.
"""

from __future__ import annotations

from typing import Any

from common.context import RequestContext
from common.db.models import utcnow
from common.db.services import LazyFacade, ServiceQueries
from compute.db import models

MIGRATIONS = "migrations.compute"

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
    heartbeat = values.get("report_count", row.report_count) > row.report_count
    row.update(values)
    if heartbeat and "last_seen_up" not in values:
        row.last_seen_up = utcnow()


def service_update(ctxt: RequestContext, service_id: int, values: dict[str, Any]) -> models.Service:
    """Change columns of a live service.  A higher ``report_count`` is a heartbeat and
    moves ``last_seen_up`` to now, which is what up/down is computed from."""
    return _services.update(ctxt, service_id, values, _apply_service_update)


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
