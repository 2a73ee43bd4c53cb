"""CPUWeigher: prefer the hosts with the most free vCPUs (or the least, to stack)."""

from __future__ import annotations

from compute.scheduler.host_state import HostState
from compute.scheduler.request import SchedulingRequest
from compute.scheduler.weights import BaseHostWeigher


class CPUWeigher(BaseHostWeigher):
    """Free vCPUs count the overcommit: vcpus * cpu_allocation_ratio - vcpus_used."""

    multiplier_option = "cpu_weight_multiplier"

    def weigh_object(self, host_state: HostState, request: SchedulingRequest) -> float:
        return host_state.vcpus_total * host_state.cpu_allocation_ratio - host_state.vcpus_used
