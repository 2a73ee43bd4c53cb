"""nova-conductor: the database door for workers, and the home of long orchestration.

Object indirection (``object_action`` / ``object_class_action``) is served by
``common.objects.indirection.ObjectIndirectionEndpoint`` on the same topic; build
orchestration arrives with the boot path.
"""

from __future__ import annotations

import logging
from typing import Any

from common import rpc
from common.objects.indirection import ObjectIndirectionEndpoint
from common.service.manager import Manager

LOG = logging.getLogger(__name__)


class ConductorManager(Manager):
    """Serves the ``conductor`` topic. See ``compute.conductor.rpcapi`` for the API."""

    target = rpc.Target(version="1.0")

    def __init__(self, host: str | None = None) -> None:
        super().__init__(host=host, service_name="conductor")
        self._objects = ObjectIndirectionEndpoint()

    @property
    def additional_endpoints(self) -> list[Any]:
        return [self._objects]

    def ping(self, ctxt: Any, arg: Any) -> dict[str, Any]:
        """Echo, used by workers at start-up to wait until a conductor answers."""
        return {"service": "conductor", "host": self.host, "arg": arg}
