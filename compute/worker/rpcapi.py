"""Client side of nova-compute's RPC API: one host each, topic ``compute.<host>``.

Every method is a cast to the instance's host unless it says otherwise; the worker
reports progress by saving the instance (vm_state / task_state), which the API reads.

API version history:

1.0 - initial: (no methods)
1.1 - build_and_run_instance, terminate_instance, reboot_instance, stop_instance,
      start_instance, pause_instance, unpause_instance, suspend_instance,
      resume_instance, rebuild_instance, prep_resize, resize_instance, finish_resize,
      confirm_resize, revert_resize, finish_revert_resize, snapshot_instance,
      get_console_output (call)
"""

from __future__ import annotations

from typing import Any

from common import rpc
from common.objects.serializer import ObjectSerializer
from common.rpc import timeouts

TOPIC = "compute"


class ComputeAPI:
    VERSION = "1.1"

    def __init__(self, transport: rpc.Transport | None = None) -> None:
        target = rpc.Target(topic=TOPIC, version="1.0")
        self.client = rpc.RPCClient(
            transport or rpc.get_transport(), target, serializer=ObjectSerializer()
        )

    def _host(self, host: str, timeout: str = timeouts.NORMAL) -> Any:
        return self.client.prepare(server=host, version="1.1", timeout=timeouts.seconds(timeout))

    # -- build and delete ------------------------------------------------------------
    def build_and_run_instance(
        self,
        ctxt: Any,
        instance: Any,
        host: str,
        node: str | None,
        image: dict,
        request_spec: Any,
        admin_password: str | None = None,
        injected_files: list | None = None,
        limits: dict | None = None,
    ) -> None:
        self._host(host).cast(
            ctxt,
            "build_and_run_instance",
            instance=instance,
            node=node,
            image=image,
            request_spec=request_spec,
            admin_password=admin_password,
            injected_files=injected_files or [],
            limits=limits or {},
        )

    def terminate_instance(self, ctxt: Any, instance: Any) -> None:
        self._host(instance.host).cast(ctxt, "terminate_instance", instance=instance)

    # -- power -----------------------------------------------------------------------
    def reboot_instance(self, ctxt: Any, instance: Any, reboot_type: str) -> None:
        self._host(instance.host).cast(
            ctxt, "reboot_instance", instance=instance, reboot_type=reboot_type
        )

    def stop_instance(self, ctxt: Any, instance: Any, clean_shutdown: bool = True) -> None:
        self._host(instance.host).cast(
            ctxt, "stop_instance", instance=instance, clean_shutdown=clean_shutdown
        )

    def start_instance(self, ctxt: Any, instance: Any) -> None:
        self._host(instance.host).cast(ctxt, "start_instance", instance=instance)

    def pause_instance(self, ctxt: Any, instance: Any) -> None:
        self._host(instance.host).cast(ctxt, "pause_instance", instance=instance)

    def unpause_instance(self, ctxt: Any, instance: Any) -> None:
        self._host(instance.host).cast(ctxt, "unpause_instance", instance=instance)

    def suspend_instance(self, ctxt: Any, instance: Any) -> None:
        self._host(instance.host).cast(ctxt, "suspend_instance", instance=instance)

    def resume_instance(self, ctxt: Any, instance: Any) -> None:
        self._host(instance.host).cast(ctxt, "resume_instance", instance=instance)

    # -- rebuild, resize, snapshot ---------------------------------------------------
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
        self._host(instance.host).cast(
            ctxt,
            "rebuild_instance",
            instance=instance,
            image_ref=image_ref,
            orig_image_ref=orig_image_ref,
            image=image,
            admin_password=admin_password,
            preserve_ephemeral=preserve_ephemeral,
        )

    def prep_resize(
        self,
        ctxt: Any,
        instance: Any,
        host: str,
        node: str | None,
        flavor: Any,
        image: dict,
        request_spec: Any,
    ) -> None:
        """Cast to the *destination* host, which claims resources then asks the source."""
        self._host(host).cast(
            ctxt,
            "prep_resize",
            instance=instance,
            node=node,
            flavor=flavor,
            image=image,
            request_spec=request_spec,
        )

    def resize_instance(
        self, ctxt: Any, instance: Any, migration: dict, flavor: Any, image: dict
    ) -> None:
        """Cast to the *source* host: power off and move the disks."""
        self._host(instance.host).cast(
            ctxt,
            "resize_instance",
            instance=instance,
            migration=migration,
            flavor=flavor,
            image=image,
        )

    def finish_resize(
        self, ctxt: Any, instance: Any, host: str, migration: dict, image: dict
    ) -> None:
        self._host(host).cast(
            ctxt, "finish_resize", instance=instance, migration=migration, image=image
        )

    def confirm_resize(self, ctxt: Any, instance: Any, source_host: str, migration: dict) -> None:
        self._host(source_host).cast(ctxt, "confirm_resize", instance=instance, migration=migration)

    def revert_resize(self, ctxt: Any, instance: Any, dest_host: str, migration: dict) -> None:
        self._host(dest_host).cast(ctxt, "revert_resize", instance=instance, migration=migration)

    def finish_revert_resize(
        self, ctxt: Any, instance: Any, source_host: str, migration: dict
    ) -> None:
        self._host(source_host).cast(
            ctxt, "finish_revert_resize", instance=instance, migration=migration
        )

    def snapshot_instance(self, ctxt: Any, instance: Any, image_id: str) -> None:
        self._host(instance.host).cast(
            ctxt, "snapshot_instance", instance=instance, image_id=image_id
        )

    def get_console_output(self, ctxt: Any, instance: Any, tail_length: int | None) -> str:
        return self._host(instance.host, timeouts.SLOW).call(
            ctxt, "get_console_output", instance=instance, tail_length=tail_length
        )
