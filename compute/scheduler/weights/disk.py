"""DiskWeigher: prefer the hosts with the most free disk (or the least, to stack)."""

from __future__ import annotations

from compute.scheduler.host_state import HostState
from compute.scheduler.request import SchedulingRequest
from compute.scheduler.weights import BaseHostWeigher


class DiskWeigher(BaseHostWeigher):
    multiplier_option = "disk_weight_multiplier"

    def weigh_object(self, host_state: HostState, request: SchedulingRequest) -> float:
        return host_state.free_disk_mb
