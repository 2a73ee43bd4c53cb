"""Client side of cinder-scheduler's RPC API.

API version history:

1.0 - initial (no methods)
1.1 - create_volume, update_service_capabilities (fanout), get_pools
"""

from __future__ import annotations

from typing import Any

from common import rpc
from common.config import CONF
from common.objects.serializer import ObjectSerializer
from common.rpc import timeouts

TOPIC = "cinder-scheduler"


class SchedulerAPI:
    VERSION = "1.1"

    def __init__(self, transport: rpc.Transport | None = None) -> None:
        target = rpc.Target(topic=TOPIC, version="1.0")
        self.client = rpc.RPCClient(
            transport or rpc.get_transport(),
            target,
            serializer=ObjectSerializer(),
            timeout=CONF.rpc_response_timeout,
        )

    def create_volume(
        self,
        ctxt: Any,
        volume: Any,
        snapshot_id: str | None = None,
        image_id: str | None = None,
        request_spec: Any = None,
        filter_properties: dict[str, Any] | None = None,
        backup_id: str | None = None,
    ) -> None:
        """Place ``volume`` (a cast): the scheduler picks a pool, sets ``volume.host``
        and casts ``create_volume`` to that cinder-volume; when no pool fits, the
        volume goes to ``error`` and a user message says why."""
        self.client.prepare(version="1.1").cast(
            ctxt,
            "create_volume",
            volume=volume,
            snapshot_id=snapshot_id,
            image_id=image_id,
            request_spec=request_spec,
            filter_properties=filter_properties or {},
            backup_id=backup_id,
        )

    def update_service_capabilities(
        self,
        ctxt: Any,
        service_name: str,
        host: str,
        capabilities: dict[str, Any],
        cluster_name: str | None = None,
        timestamp: str | None = None,
    ) -> None:
        """A backend's report of its pools (fanout to every scheduler).

        ``host`` is ``host@backend``; ``capabilities`` is the driver's
        ``get_volume_stats()``: ``volume_backend_name``, ``storage_protocol``,
        ``vendor_name``, ``driver_version`` and either ``pools`` (a list of dicts with
        ``pool_name``, ``total_capacity_gb``, ``free_capacity_gb``,
        ``allocated_capacity_gb``, ``provisioned_capacity_gb``, ``reserved_percentage``,
        ``max_over_subscription_ratio``, ``thin_provisioning_support``,
        ``thick_provisioning_support``, ``multiattach``...) or those keys at the top level
        (one pool named after the backend).
        """
        self.client.prepare(fanout=True, version="1.1").cast(
            ctxt,
            "update_service_capabilities",
            service_name=service_name,
            host=host,
            capabilities=capabilities,
            cluster_name=cluster_name,
            timestamp=timestamp,
        )

    def get_pools(self, ctxt: Any, filters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """``[{"name": "host@backend#pool", "capabilities": {...}}]`` (a call)."""
        cctxt = self.client.prepare(version="1.1", timeout=timeouts.seconds(timeouts.FAST))
        return cctxt.call(ctxt, "get_pools", filters=filters)
