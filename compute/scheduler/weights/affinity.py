"""Soft server-group weighers: 'soft-affinity' and 'soft-anti-affinity' groups.

Unlike the filters they never refuse a host; they prefer the hosts already running
the most (soft-affinity) or the fewest (soft-anti-affinity) members of the group.
"""

from __future__ import annotations

from compute.scheduler.host_state import HostState
from compute.scheduler.request import SchedulingRequest
from compute.scheduler.weights import BaseHostWeigher


def _members_on_host(host_state: HostState, request: SchedulingRequest, policy: str) -> int:
    group = request.group
    if group is None or group.policy != policy:
        return 0
    return len(set(host_state.instances) & group.members)


class ServerGroupSoftAffinityWeigher(BaseHostWeigher):
    multiplier_option = "soft_affinity_weight_multiplier"

    def weigh_object(self, host_state: HostState, request: SchedulingRequest) -> float:
        return _members_on_host(host_state, request, "soft-affinity")


class ServerGroupSoftAntiAffinityWeigher(BaseHostWeigher):
    multiplier_option = "soft_anti_affinity_weight_multiplier"

    def weigh_object(self, host_state: HostState, request: SchedulingRequest) -> float:
        return -_members_on_host(host_state, request, "soft-anti-affinity")
