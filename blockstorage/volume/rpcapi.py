"""Client side of cinder-volume's RPC API (one backend: ``cinder-volume.<host>@<backend>``).

Each method names the manager method it runs (``blockstorage.volume.manager``), with
Cinder's names and arguments.  A volume's server is ``volume.host`` up to the pool
(``host@backend``); casts return at once, calls wait in the named timeout tier.

API version history:

1.0 - initial (no methods)
1.1 - create_volume, delete_volume, extend_volume, create_snapshot, delete_snapshot,
      attach_volume, detach_volume, initialize_connection, terminate_connection,
      copy_volume_to_image, attachment_update, attachment_delete,
      publish_service_capabilities
"""

from __future__ import annotations

from typing import Any

from blockstorage.objects.volume import extract_host
from common import rpc
from common.config import CONF
from common.objects.serializer import ObjectSerializer
from common.rpc import timeouts

TOPIC = "cinder-volume"


class VolumeAPI:
    VERSION = "1.1"

    def __init__(self, transport: rpc.Transport | None = None) -> None:
        target = rpc.Target(topic=TOPIC, version="1.0")
        self.client = rpc.RPCClient(
            transport or rpc.get_transport(),
            target,
            serializer=ObjectSerializer(),
            timeout=CONF.rpc_response_timeout,
        )

    def _backend(self, host: str | None, tier: str = timeouts.NORMAL) -> Any:
        """A client aimed at the cinder-volume serving ``host`` (``host@backend#pool``)."""
        return self.client.prepare(
            server=extract_host(host, "backend"), version="1.1", timeout=timeouts.seconds(tier)
        )

    # -- casts ------------------------------------------------------------------------------
    def create_volume(
        self,
        ctxt: Any,
        volume: Any,
        request_spec: Any,
        filter_properties: dict[str, Any],
        allow_reschedule: bool = True,
    ) -> None:
        """Create the volume on the backend the scheduler chose (``volume.host``)."""
        self._backend(volume.host).cast(
            ctxt,
            "create_volume",
            volume=volume,
            request_spec=request_spec,
            filter_properties=filter_properties,
            allow_reschedule=allow_reschedule,
        )

    def delete_volume(
        self, ctxt: Any, volume: Any, unmanage_only: bool = False, cascade: bool = False
    ) -> None:
        self._backend(volume.host).cast(
            ctxt, "delete_volume", volume=volume, unmanage_only=unmanage_only, cascade=cascade
        )

    def extend_volume(
        self, ctxt: Any, volume: Any, new_size: int, reservations: list[str] | None = None
    ) -> None:
        """Grow the volume (``extending`` -> ``available`` or ``error_extending``)."""
        self._backend(volume.host).cast(
            ctxt, "extend_volume", volume=volume, new_size=new_size, reservations=reservations
        )

    def create_snapshot(self, ctxt: Any, volume: Any, snapshot: Any) -> None:
        self._backend(volume.host).cast(ctxt, "create_snapshot", volume=volume, snapshot=snapshot)

    def delete_snapshot(self, ctxt: Any, snapshot: Any, unmanage_only: bool = False) -> None:
        self._backend(snapshot.volume.host).cast(
            ctxt, "delete_snapshot", snapshot=snapshot, unmanage_only=unmanage_only
        )

    def copy_volume_to_image(self, ctxt: Any, volume: Any, image_meta: dict[str, Any]) -> None:
        self._backend(volume.host).cast(
            ctxt, "copy_volume_to_image", volume_id=volume.id, image_meta=image_meta
        )

    def publish_service_capabilities(self, ctxt: Any) -> None:
        """Ask every cinder-volume to report its pools to the schedulers now (fanout)."""
        self.client.prepare(fanout=True, version="1.1").cast(ctxt, "publish_service_capabilities")

    # -- calls ------------------------------------------------------------------------------
    def attach_volume(
        self,
        ctxt: Any,
        volume: Any,
        instance_uuid: str | None,
        host_name: str | None,
        mountpoint: str,
        mode: str,
    ) -> Any:
        """Record the attach on the backend; returns the ``VolumeAttachment``."""
        return self._backend(volume.host, timeouts.SLOW).call(
            ctxt,
            "attach_volume",
            volume_id=volume.id,
            instance_uuid=instance_uuid,
            host_name=host_name,
            mountpoint=mountpoint,
            mode=mode,
        )

    def detach_volume(self, ctxt: Any, volume: Any, attachment_id: str | None) -> None:
        self._backend(volume.host, timeouts.SLOW).call(
            ctxt, "detach_volume", volume_id=volume.id, attachment_id=attachment_id
        )

    def initialize_connection(
        self, ctxt: Any, volume: Any, connector: dict[str, Any]
    ) -> dict[str, Any]:
        """Export the volume to ``connector``; returns Cinder's ``connection_info``
        (``{"driver_volume_type": "iscsi", "data": {...}}``)."""
        return self._backend(volume.host, timeouts.SLOW).call(
            ctxt, "initialize_connection", volume=volume, connector=connector
        )

    def terminate_connection(
        self, ctxt: Any, volume: Any, connector: dict[str, Any] | None, force: bool = False
    ) -> None:
        self._backend(volume.host, timeouts.SLOW).call(
            ctxt, "terminate_connection", volume_id=volume.id, connector=connector, force=force
        )

    def attachment_update(
        self, ctxt: Any, vref: Any, connector: dict[str, Any], attachment_id: str
    ) -> dict[str, Any]:
        """Connect an attachment of the 3.27 API; returns ``connection_info``."""
        return self._backend(vref.host, timeouts.SLOW).call(
            ctxt, "attachment_update", vref=vref, connector=connector, attachment_id=attachment_id
        )

    def attachment_delete(self, ctxt: Any, attachment_id: str, vref: Any) -> None:
        self._backend(vref.host, timeouts.SLOW).call(
            ctxt, "attachment_delete", attachment_id=attachment_id, vref=vref
        )
