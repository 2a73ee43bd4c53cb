"""DiskFilter: enough free local disk, counting ``disk_allocation_ratio`` overcommit."""

from __future__ import annotations

import logging

from compute.scheduler.filters import BaseHostFilter
from compute.scheduler.host_state import HostState
from compute.scheduler.request import SchedulingRequest

LOG = logging.getLogger(__name__)


class DiskFilter(BaseHostFilter):
    """The flavor needs root + ephemeral GB and swap MB; usable = total * ratio - used.

    Sets ``limits['disk_gb']`` for nova-compute's claim.
    """

    def host_passes(self, host_state: HostState, request: SchedulingRequest) -> bool:
        requested = request.requested_disk_mb
        total = host_state.total_usable_disk_gb * 1024
        limit = total * host_state.disk_allocation_ratio
        used = total - host_state.free_disk_mb
        usable = limit - used
        if usable < requested:
            LOG.debug(
                "%s does not have %d MB usable disk, it only has %.1f MB usable disk.",
                host_state,
                requested,
                usable,
            )
            return False
        host_state.limits["disk_gb"] = limit / 1024
        return True
