"""Client side of the conductor's RPC API.

API version history:

1.0 - initial: ping (object indirection has its own namespace, "objects" 1.0,
      see common.objects.indirection)
"""

from __future__ import annotations

from typing import Any

from common import rpc
from common.config import CONF
from common.objects.serializer import ObjectSerializer

TOPIC = "conductor"
FAST_TIMEOUT = 10


class ConductorAPI:
    VERSION = "1.0"

    def __init__(self, transport: rpc.Transport | None = None) -> None:
        target = rpc.Target(topic=TOPIC, version="1.0")
        self.client = rpc.RPCClient(
            transport or rpc.get_transport(),
            target,
            serializer=ObjectSerializer(),
            timeout=CONF.rpc_response_timeout,
        )

    def ping(self, ctxt: Any, arg: Any, timeout: float = FAST_TIMEOUT) -> dict[str, Any]:
        return self.client.prepare(timeout=timeout).call(ctxt, "ping", arg=arg)
