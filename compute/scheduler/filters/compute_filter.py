"""ComputeFilter: only hosts whose nova-compute is enabled and up."""

from __future__ import annotations

import logging

from compute.scheduler.filters import BaseHostFilter
from compute.scheduler.host_state import HostState
from compute.scheduler.request import SchedulingRequest

LOG = logging.getLogger(__name__)


class ComputeFilter(BaseHostFilter):
    """An operator-disabled service, or one whose heartbeat is older than
    ``service_down_time``, gets no new instances."""

    run_filter_once_per_request = True

    def host_passes(self, host_state: HostState, request: SchedulingRequest) -> bool:
        if host_state.service_disabled:
            LOG.debug("%s is disabled, reason: %s", host_state, host_state.service_disabled_reason)
            return False
        if not host_state.service_up:
            LOG.warning("%s has not been heard from in a while", host_state)
            return False
        return True
