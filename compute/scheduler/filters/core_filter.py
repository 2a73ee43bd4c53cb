"""CoreFilter: enough free vCPUs, counting ``cpu_allocation_ratio`` overcommit."""

from __future__ import annotations

import logging

from compute.scheduler.filters import BaseHostFilter
from compute.scheduler.host_state import HostState
from compute.scheduler.request import SchedulingRequest

LOG = logging.getLogger(__name__)


class CoreFilter(BaseHostFilter):
    """free = vcpus * ratio - vcpus_used; an instance may also never have more vCPUs
    than the host has physical CPUs.  A node that reports no vCPUs passes (Nova's
    fail-safe for drivers that do not count them)."""

    def host_passes(self, host_state: HostState, request: SchedulingRequest) -> bool:
        if not host_state.vcpus_total:
            return True
        limit = host_state.vcpus_total * host_state.cpu_allocation_ratio
        if limit > 0:
            host_state.limits["vcpu"] = limit
        if request.vcpus > host_state.vcpus_total:
            LOG.debug(
                "%s does not have %d usable vcpus: the instance would have more vCPUs "
                "than the host has CPUs (%d)",
                host_state,
                request.vcpus,
                host_state.vcpus_total,
            )
            return False
        free = limit - host_state.vcpus_used
        if free < request.vcpus:
            LOG.debug(
                "%s does not have %d usable vcpus, it only has %.1f usable vcpus",
                host_state,
                request.vcpus,
                free,
            )
            return False
        return True
