"""Client side of the conductor's RPC API.

``ConductorAPI`` (namespace None) is the conductor's own small API; ``ComputeTaskAPI``
(namespace ``compute_task``) carries the long orchestration flows the API hands off.
Object indirection has its own namespace (``objects`` 1.0, common.objects.indirection).

ConductorAPI version history:

1.0 - initial: ping

ComputeTaskAPI version history:

1.0 - build_instances, rebuild_instance, resize_instance
"""

from __future__ import annotations

from typing import Any

from common import rpc
from common.objects.serializer import ObjectSerializer
from common.rpc import timeouts

TOPIC = "conductor"


def _client(namespace: str | None, version: str, transport: rpc.Transport | None) -> Any:
    target = rpc.Target(topic=TOPIC, namespace=namespace, version=version)
    return rpc.RPCClient(transport or rpc.get_transport(), target, serializer=ObjectSerializer())


class ConductorAPI:
    VERSION = "1.0"

    def __init__(self, transport: rpc.Transport | None = None) -> None:
        self.client = _client(None, self.VERSION, transport)

    def ping(self, ctxt: Any, arg: Any) -> dict[str, Any]:
        cctxt = self.client.prepare(timeout=timeouts.seconds(timeouts.FAST))
        return cctxt.call(ctxt, "ping", arg=arg)


class ComputeTaskAPI:
    VERSION = "1.0"

    def __init__(self, transport: rpc.Transport | None = None) -> None:
        self.client = _client("compute_task", self.VERSION, transport)

    def build_instances(
        self,
        ctxt: Any,
        instances: list,
        image: dict,
        request_spec: Any,
        admin_password: str | None = None,
        injected_files: list | None = None,
    ) -> None:
        """Schedule and build: cast; also used by a compute host to reschedule a failed
        build (with ``request_spec.retry`` recording the hosts already tried)."""
        self.client.cast(
            ctxt,
            "build_instances",
            instances=instances,
            image=image,
            request_spec=request_spec,
            admin_password=admin_password,
            injected_files=injected_files or [],
        )

    def rebuild_instance(
        self,
        ctxt: Any,
        instance: Any,
        image_ref: str,
        orig_image_ref: str,
        image: dict,
        admin_password: str | None = None,
        preserve_ephemeral: bool = False,
    ) -> None:
        self.client.cast(
            ctxt,
            "rebuild_instance",
            instance=instance,
            image_ref=image_ref,
            orig_image_ref=orig_image_ref,
            image=image,
            admin_password=admin_password,
            preserve_ephemeral=preserve_ephemeral,
        )

    def resize_instance(
        self, ctxt: Any, instance: Any, flavor: Any, request_spec: Any, image: dict
    ) -> None:
        """Pick a destination for the new flavor, then start prep_resize there."""
        self.client.cast(
            ctxt,
            "resize_instance",
            instance=instance,
            flavor=flavor,
            request_spec=request_spec,
            image=image,
        )
