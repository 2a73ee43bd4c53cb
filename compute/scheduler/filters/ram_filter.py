"""RamFilter: enough free RAM, counting ``ram_allocation_ratio`` overcommit."""

from __future__ import annotations

import logging

from compute.scheduler.filters import BaseHostFilter
from compute.scheduler.host_state import HostState
from compute.scheduler.request import SchedulingRequest

LOG = logging.getLogger(__name__)


class RamFilter(BaseHostFilter):
    """usable = total * ratio - used, where used = total - free as the node reports it.

    Sets ``limits['memory_mb']`` so nova-compute's claim checks the same ceiling.
    """

    def host_passes(self, host_state: HostState, request: SchedulingRequest) -> bool:
        total = host_state.total_usable_ram_mb
        limit = total * host_state.ram_allocation_ratio
        used = total - host_state.free_ram_mb
        usable = limit - used
        if usable < request.memory_mb:
            LOG.debug(
                "%s does not have %d MB usable ram, it only has %.1f MB usable ram.",
                host_state,
                request.memory_mb,
                usable,
            )
            return False
        host_state.limits["memory_mb"] = limit
        return True
