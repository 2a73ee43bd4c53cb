"""AvailabilityZoneFilter: only hosts in the availability zone the request names."""

from __future__ import annotations

from common.config import CONF
from compute.scheduler.filters import BaseHostFilter, aggregate_values
from compute.scheduler.host_state import HostState
from compute.scheduler.request import SchedulingRequest


class AvailabilityZoneFilter(BaseHostFilter):
    """A host's zone is the ``availability_zone`` metadata of its aggregates, or
    ``default_availability_zone`` when none of them sets one."""

    run_filter_once_per_request = True

    def host_passes(self, host_state: HostState, request: SchedulingRequest) -> bool:
        if not request.availability_zone:
            return True
        zones = aggregate_values(host_state, "availability_zone")
        if zones:
            return request.availability_zone in zones
        return request.availability_zone == CONF.default_availability_zone
