"""nova-compute's manager: the worker on each hypervisor host.

It has no database access: every object method it calls runs in nova-conductor. The
virt driver, resource tracker and instance flows are added by the boot path.
"""

from __future__ import annotations

import logging

from common import rpc
from common.service.manager import Manager

LOG = logging.getLogger(__name__)


class ComputeManager(Manager):
    """Serves ``compute`` and ``compute.<host>``. See ``compute.worker.rpcapi``."""

    target = rpc.Target(version="1.0")

    def __init__(self, host: str | None = None) -> None:
        super().__init__(host=host, service_name="compute")
