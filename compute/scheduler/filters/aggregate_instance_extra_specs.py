"""AggregateInstanceExtraSpecsFilter: flavors that need aggregate metadata.

A flavor extra spec ``aggregate_instance_extra_specs:ssd = true`` (or an unscoped
``ssd = true``) sends the instance only to hosts in an aggregate whose metadata has
``ssd`` matching ``true`` (see ``extra_specs_ops`` for the operators).  Extra specs
scoped to something else (``hw:cpu_policy``...) are not this filter's business.
"""

from __future__ import annotations

import logging

from compute.scheduler.filters import BaseHostFilter, aggregate_values, extra_specs_ops
from compute.scheduler.host_state import HostState
from compute.scheduler.request import SchedulingRequest

LOG = logging.getLogger(__name__)

SCOPE = "aggregate_instance_extra_specs"


class AggregateInstanceExtraSpecsFilter(BaseHostFilter):
    run_filter_once_per_request = True

    def host_passes(self, host_state: HostState, request: SchedulingRequest) -> bool:
        for key, requirement in request.extra_specs.items():
            scope, sep, name = key.partition(":")
            if sep:
                if scope != SCOPE:
                    continue
            else:
                name = key
            values = aggregate_values(host_state, name)
            if not values:
                LOG.debug(
                    "%s has no aggregate metadata %s (flavor needs %s)",
                    host_state,
                    name,
                    requirement,
                )
                return False
            if not any(extra_specs_ops.match(value, requirement) for value in values):
                LOG.debug(
                    "%s aggregate metadata %s=%s does not match %s",
                    host_state,
                    name,
                    values,
                    requirement,
                )
                return False
        return True
