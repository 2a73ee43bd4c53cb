"""nova-scheduler: picks hosts for instances; serves the ``scheduler`` topic.

The manager reads what the database says about the compute nodes, merges it into the
host states it keeps between requests, and lets the ``FilterScheduler`` choose.  One
request is placed at a time (the host states are shared), but reading the database
happens outside that lock.
"""

from __future__ import annotations

import logging
from typing import Any

from common import rpc
from common.service.manager import Manager
from compute import exception
from compute.scheduler.filter_scheduler import FilterScheduler
from compute.scheduler.host_state import HostStateCache
from compute.scheduler.request import SchedulingRequest

LOG = logging.getLogger(__name__)


class SchedulerManager(Manager):
    """See ``compute.scheduler.rpcapi`` for the API and its versions."""

    target = rpc.Target(version="1.1")

    def __init__(self, host: str | None = None) -> None:
        super().__init__(host=host, service_name="scheduler")
        self.host_states = HostStateCache()
        self.driver: FilterScheduler | None = None

    def init_host(self) -> None:
        # Build the filters now: a misspelt filter name stops the daemon at start-up
        # instead of failing every boot request later.
        self.driver = FilterScheduler()
        self._log_configuration()

    def reset(self) -> None:
        """SIGHUP: the enabled filters, weighers and multipliers may have changed.

        A configuration that names an unknown filter keeps the previous selection
        running (and says so) rather than leaving the scheduler without one.
        """
        try:
            self.driver = FilterScheduler()
        except exception.NotFound as exc:
            LOG.error("Keeping the previous filters and weighers: %s", exc.format_message())
            return
        self._log_configuration()

    def _log_configuration(self) -> None:
        assert self.driver is not None
        LOG.info(
            "Filters: %s; weighers: %s",
            ", ".join(f.name() for f in self.driver.filter_handler.filters),
            ", ".join(type(w).__name__ for w in self.driver.weight_handler.weighers),
        )

    def select_destinations(
        self, ctxt: Any, spec_obj: Any, instance_uuids: list[str] | None = None
    ) -> list[dict[str, Any]]:
        """Choose one destination per instance; raises ``NoValidHost``."""
        if self.driver is None:
            self.driver = FilterScheduler()
        count = len(instance_uuids) if instance_uuids else None
        request = SchedulingRequest.from_spec(spec_obj, num_instances=count)
        admin = ctxt.elevated() if hasattr(ctxt, "elevated") else ctxt
        data = self.host_states.read_database(admin, with_instances=request.group is not None)
        with self.host_states.lock:
            hosts = self.host_states.refresh(**data)
            return self.driver.select_destinations(hosts, request, instance_uuids)
