"""Server-group filters: keep a group's members on one host, or each on its own."""

from __future__ import annotations

import logging

from compute.scheduler.filters import BaseHostFilter
from compute.scheduler.host_state import HostState
from compute.scheduler.request import SchedulingRequest

LOG = logging.getLogger(__name__)


class ServerGroupAffinityFilter(BaseHostFilter):
    """'affinity' group: once a member runs somewhere, the others go to that host."""

    def host_passes(self, host_state: HostState, request: SchedulingRequest) -> bool:
        group = request.group
        if group is None or group.policy != "affinity":
            return True
        if not group.hosts:
            return True
        return host_state.host in group.hosts


class ServerGroupAntiAffinityFilter(BaseHostFilter):
    """'anti-affinity' group: at most ``rules['max_server_per_host']`` (default 1)
    members per host."""

    def host_passes(self, host_state: HostState, request: SchedulingRequest) -> bool:
        group = request.group
        if group is None or group.policy != "anti-affinity":
            return True
        # A move (resize to the same host) may keep the instance where it is.
        if request.instance_uuid and request.instance_uuid in host_state.instances:
            return True
        on_host = set(host_state.instances) & group.members
        if len(on_host) >= group.max_server_per_host:
            LOG.debug(
                "%s already runs %d member(s) of anti-affinity group %s",
                host_state,
                len(on_host),
                group.uuid,
            )
            return False
        return True
