"""RetryFilter: do not try again a host where this instance already failed to build."""

from __future__ import annotations

from compute.scheduler.filters import BaseHostFilter
from compute.scheduler.host_state import HostState
from compute.scheduler.request import SchedulingRequest


class RetryFilter(BaseHostFilter):
    """Rejects the (host, node) pairs listed in the request's ``retry.hosts``.

    nova-conductor adds the host of each failed attempt before asking again.
    """

    def host_passes(self, host_state: HostState, request: SchedulingRequest) -> bool:
        for host, node in request.retry_hosts:
            if host == host_state.host and node in (None, host_state.nodename):
                return False
        return True
