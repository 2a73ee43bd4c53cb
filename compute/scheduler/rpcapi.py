"""Client side of the scheduler's RPC API.

API version history:

1.0 - initial (no methods)
1.1 - add select_destinations(spec_obj, instance_uuids)
"""

from __future__ import annotations

from typing import Any

from common import rpc
from common.config import CONF
from common.objects.serializer import ObjectSerializer
from common.rpc import timeouts

TOPIC = "scheduler"


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

    def select_destinations(
        self,
        ctxt: Any,
        spec_obj: Any,
        instance_uuids: list[str] | None = None,
        timeout: float | None = None,
    ) -> list[dict[str, Any]]:
        """Where to build each instance of a request (an RPC call; ``normal`` timeout
        tier, i.e. ``rpc_response_timeout``, unless ``timeout`` is given).

        ``spec_obj`` is a ``RequestSpec`` (flavor, image, availability_zone,
        num_instances, instance_group, retry, ignore_hosts, force_hosts/force_nodes,
        scheduler_hints); ``instance_uuids`` lists the instances, in order (its length
        is the number placed; without it, ``spec_obj.num_instances``).

        Returns one dict per instance, in the same order::

            {"host": "compute1", "nodename": "compute1",
             "limits": {"memory_mb": 8192.0, "vcpu": 16.0, "disk_gb": 80.0}}

        ``limits`` holds what the resource filters allowed (overcommit included) for
        nova-compute's claim; a key is absent when its filter is disabled.

        Raises ``compute.exception.NoValidHost`` when any instance cannot be placed
        (none is placed then); its message is the fault users see, e.g. "No valid host
        was found. There are not enough hosts available. Filtered: ComputeFilter
        removed 1 of 3 hosts, RamFilter removed 2 of 2 hosts."
        """
        cctxt = self.client.prepare(
            version="1.1", timeout=timeout or timeouts.seconds(timeouts.NORMAL)
        )
        return cctxt.call(
            ctxt, "select_destinations", spec_obj=spec_obj, instance_uuids=instance_uuids
        )
