"""The FilterScheduler's selection: filter, weigh, pick, consume — once per instance.

For each instance of a request the enabled filters remove the hosts that cannot take
it, the weighers order the rest, and one of the ``host_subset_size`` best is chosen at
random.  The chosen host's state then consumes the instance's resources (and joins the
server group's hosts), so the next instance of the same request sees it fuller.  If
any instance finds no host, the whole request fails with ``NoValidHost`` whose reason
names the filters that removed hosts and how many.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from typing import Any

from common.config import CONF
from compute import exception
from compute.scheduler.filters import (
    BaseHostFilter,
    FilterHandler,
    FilterOutcome,
    build_filters,
)
from compute.scheduler.host_state import HostState
from compute.scheduler.request import SchedulingRequest
from compute.scheduler.weights import BaseHostWeigher, WeighedHost, WeightHandler, build_weighers

LOG = logging.getLogger(__name__)

NOT_ENOUGH_HOSTS = "There are not enough hosts available."


class FilterScheduler:
    """Selection over a list of ``HostState``; knows nothing of the database or RPC."""

    def __init__(
        self,
        filters: Sequence[BaseHostFilter] | None = None,
        weighers: Sequence[BaseHostWeigher] | None = None,
    ) -> None:
        conf = CONF.filter_scheduler
        if filters is None:
            filters = build_filters(conf.available_filters, conf.enabled_filters)
        if weighers is None:
            weighers = build_weighers(conf.weight_classes)
        self.filter_handler = FilterHandler(filters)
        self.weight_handler = WeightHandler(weighers)

    def select_destinations(
        self,
        hosts: Sequence[HostState],
        request: SchedulingRequest,
        instance_uuids: Sequence[str | None] | None = None,
    ) -> list[dict[str, Any]]:
        """One ``{'host', 'nodename', 'limits'}`` per instance, in order.

        Raises ``NoValidHost`` if any instance cannot be placed; the request is then
        refused as a whole and what its first instances consumed is given back.
        """
        uuids = list(instance_uuids) if instance_uuids else [request.instance_uuid]
        uuids += [None] * (request.num_instances - len(uuids))
        if request.group is not None:
            self._add_group_hosts(hosts, request)
        memo: dict[int, set[int]] = {}
        selections: list[dict[str, Any]] = []
        consumed: list[tuple[HostState, str | None, Any]] = []
        for index, instance_uuid in enumerate(uuids):
            outcome = self._filtered_hosts(hosts, request, index, memo)
            if not outcome.hosts:
                for state, placed_uuid, updated in reversed(consumed):
                    state.release_from_request(request, placed_uuid, updated)
                reason = self._reason(outcome, len(hosts), index, len(uuids))
                LOG.info("Instance %s: no valid host. %s", instance_uuid, reason)
                raise exception.NoValidHost(reason=reason)
            weighed = self.weight_handler.weigh(outcome.hosts, request)
            LOG.debug("Weighed %s", weighed)
            chosen = self._choose(weighed)
            consumed.append((chosen, instance_uuid, chosen.updated))
            self._consume(chosen, request, instance_uuid)
            LOG.info(
                "Selected host %s (node %s) for instance %s",
                chosen.host,
                chosen.nodename,
                instance_uuid,
            )
            selections.append(
                {"host": chosen.host, "nodename": chosen.nodename, "limits": dict(chosen.limits)}
            )
        return selections

    # -- steps --------------------------------------------------------------------------
    def _filtered_hosts(
        self,
        hosts: Sequence[HostState],
        request: SchedulingRequest,
        index: int,
        memo: dict[int, set[int]],
    ) -> FilterOutcome:
        """``ignore_hosts`` first; forced hosts or nodes then skip the filters (Nova's
        rule: an admin who forces a host gets it if it exists)."""
        outcome = FilterOutcome(list(hosts))
        if request.ignore_hosts:
            before = len(outcome.hosts)
            ignored = set(request.ignore_hosts)
            outcome.hosts = [h for h in outcome.hosts if h.host not in ignored]
            outcome.remove("ignore_hosts", before, len(outcome.hosts))
        if request.force_hosts or request.force_nodes:
            if request.force_hosts:
                before = len(outcome.hosts)
                forced = {h.lower() for h in request.force_hosts}
                outcome.hosts = [h for h in outcome.hosts if h.host.lower() in forced]
                outcome.remove("force_hosts", before, len(outcome.hosts))
            if request.force_nodes:
                before = len(outcome.hosts)
                forced = {n.lower() for n in request.force_nodes}
                outcome.hosts = [h for h in outcome.hosts if (h.nodename or "").lower() in forced]
                outcome.remove("force_nodes", before, len(outcome.hosts))
            return outcome
        filtered = self.filter_handler.run(outcome.hosts, request, index, memo)
        outcome.hosts = filtered.hosts
        outcome.removed.extend(filtered.removed)
        return outcome

    @staticmethod
    def _choose(weighed: list[WeighedHost]) -> HostState:
        """Random among the best ``host_subset_size``; with
        ``shuffle_best_same_weighed_hosts`` ties for the best weight are shuffled."""
        conf = CONF.filter_scheduler
        if conf.shuffle_best_same_weighed_hosts and weighed:
            best = [w for w in weighed if w.weight == weighed[0].weight]
            random.shuffle(best)
            weighed = best + weighed[len(best) :]
        subset = weighed[: max(1, conf.host_subset_size)]
        return random.choice(subset).host_state

    @staticmethod
    def _consume(chosen: HostState, request: SchedulingRequest, instance_uuid: str | None) -> None:
        chosen.consume_from_request(request, instance_uuid)
        if request.group is not None:
            request.group.hosts.add(chosen.host)
            if instance_uuid:
                request.group.members.add(instance_uuid)

    @staticmethod
    def _add_group_hosts(hosts: Sequence[HostState], request: SchedulingRequest) -> None:
        """The group's hosts are where its members run, whatever the spec carried."""
        group = request.group
        assert group is not None
        for state in hosts:
            if group.members & set(state.instances):
                group.hosts.add(state.host)

    @staticmethod
    def _reason(outcome: FilterOutcome, total: int, index: int, count: int) -> str:
        """The user-facing reason: which filter removed how many hosts."""
        if total == 0:
            reason = f"{NOT_ENOUGH_HOSTS} No compute node is registered with the scheduler."
        elif outcome.removed:
            reason = f"{NOT_ENOUGH_HOSTS} Filtered: {outcome.explain()}."
        else:
            reason = NOT_ENOUGH_HOSTS
        if count > 1:
            reason += f" {index} of {count} instances could be placed."
        return reason
