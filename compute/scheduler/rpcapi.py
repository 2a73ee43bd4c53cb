"""Client side of the scheduler's RPC API.

API version history:

1.0 - initial (no methods yet; select_destinations arrives with the boot path)
"""

from __future__ import annotations

from common import rpc
from common.config import CONF
from common.objects.serializer import ObjectSerializer

TOPIC = "scheduler"


class SchedulerAPI:
    VERSION = "1.0"

    def __init__(self, transport: rpc.Transport | None = None) -> None:
        target = rpc.Target(topic=TOPIC, version="1.0")
        self.client = rpc.RPCClient(
            transport or rpc.get_transport(),
            target,
            serializer=ObjectSerializer(),
            timeout=CONF.rpc_response_timeout,
        )
