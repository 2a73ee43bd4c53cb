"""nova-conductor: the database door for workers, and the home of long orchestration.

Three endpoints share the ``conductor`` topic: ``ConductorManager`` (its own small API),
``ComputeTaskManager`` (namespace ``compute_task``: build, rebuild, resize flows, each
in its own module) and the object indirection endpoint (namespace ``objects``).
"""

from __future__ import annotations

import logging
from typing import Any

from common import rpc
from common.objects.indirection import ObjectIndirectionEndpoint
from common.service.manager import Manager
from compute.conductor import build, migrate

LOG = logging.getLogger(__name__)


class ComputeTaskManager:
    """Serves ``compute_task`` (see ``compute.conductor.rpcapi.ComputeTaskAPI``)."""

    target = rpc.Target(namespace="compute_task", version="1.0")

    def __init__(self) -> None:
        from compute.scheduler.rpcapi import SchedulerAPI
        from compute.worker.rpcapi import ComputeAPI

        self.scheduler_client = SchedulerAPI()
        self.compute_rpcapi = ComputeAPI()

    def build_instances(
        self,
        ctxt: Any,
        instances: list,
        image: dict,
        request_spec: Any,
        admin_password: str | None = None,
        injected_files: list | None = None,
    ) -> None:
        build.build_instances(
            self, ctxt, instances, image, request_spec, admin_password, injected_files or []
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
        """A rebuild stays on the instance's host (an evacuation would pick another)."""
        self.compute_rpcapi.rebuild_instance(
            ctxt, instance, image_ref, orig_image_ref, image, admin_password, preserve_ephemeral
        )

    def resize_instance(
        self, ctxt: Any, instance: Any, flavor: Any, request_spec: Any, image: dict
    ) -> None:
        migrate.resize_instance(self, ctxt, instance, flavor, request_spec, image)


class ConductorManager(Manager):
    """Serves the ``conductor`` topic. See ``compute.conductor.rpcapi`` for the API."""

    target = rpc.Target(version="1.0")

    def __init__(self, host: str | None = None) -> None:
        super().__init__(host=host, service_name="conductor")
        self._objects = ObjectIndirectionEndpoint()
        self._compute_task = ComputeTaskManager()

    @property
    def additional_endpoints(self) -> list[Any]:
        return [self._compute_task, self._objects]

    def ping(self, ctxt: Any, arg: Any) -> dict[str, Any]:
        """Echo, used by workers at start-up to wait until a conductor answers."""
        return {"service": "conductor", "host": self.host, "arg": arg}
