"""DiskWeigher: prefer the hosts with the most free disk (or the least, to stack)."""

from __future__ import annotations

from common.config import CONF
from compute.scheduler.host_state import HostState
from compute.scheduler.request import SchedulingRequest
from compute.scheduler.weights import BaseHostWeigher, multiplier


class DiskWeigher(BaseHostWeigher):
    def weight_multiplier(self, host_state: HostState) -> float:
        return multiplier(
            host_state, "disk_weight_multiplier", CONF.filter_scheduler.disk_weight_multiplier
        )

    def weigh_object(self, host_state: HostState, request: SchedulingRequest) -> float:
        return host_state.free_disk_mb
