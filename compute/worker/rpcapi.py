"""Client side of nova-compute's RPC API (one host: ``compute.<host>``).

API version history:

1.0 - initial (instance operations arrive with the boot path)
"""

from __future__ import annotations

from common import rpc
from common.config import CONF
from common.objects.serializer import ObjectSerializer

TOPIC = "compute"


class ComputeAPI:
    VERSION = "1.0"

    def __init__(self, transport: rpc.Transport | None = None) -> None:
        target = rpc.Target(topic=TOPIC, version="1.0")
        self.client = rpc.RPCClient(
            transport or rpc.get_transport(),
            target,
            serializer=ObjectSerializer(),
            timeout=CONF.rpc_response_timeout,
        )
