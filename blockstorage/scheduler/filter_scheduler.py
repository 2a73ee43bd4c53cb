"""Cinder's FilterScheduler: filter the pools, weigh the rest, take the best.

The chosen pool consumes the volume's size at once (until its backend reports again),
so the next request already sees it fuller.  When no pool is left the request fails
with ``NoValidBackend`` whose reason names the filters that removed pools and how many.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from blockstorage import exception
from blockstorage.scheduler.filters import FilterHandler, FilterOutcome, build_filters
from blockstorage.scheduler.host_manager import PoolState
from blockstorage.scheduler.weights import build_weighers, weigh
from common.config import CONF

LOG = logging.getLogger(__name__)

NO_WEIGHED = "No weighed backends available."


class FilterScheduler:
    def __init__(self, filters: Sequence[Any] | None = None, weighers: Sequence[Any] | None = None):
        self.filter_handler = FilterHandler(
            list(filters) if filters is not None else build_filters(CONF.scheduler_default_filters)
        )
        self.weighers = (
            list(weighers)
            if weighers is not None
            else build_weighers(CONF.scheduler_default_weighers)
        )

    def select_pool(
        self, pools: Sequence[PoolState], filter_properties: dict[str, Any]
    ) -> PoolState:
        """The best pool for the request; raises ``NoValidBackend``."""
        outcome = self._candidates(pools, filter_properties)
        if not outcome.pools:
            reason = self.reason(outcome, len(pools), filter_properties)
            raise exception.NoValidBackend(reason=reason)
        ranked = weigh(self.weighers, outcome.pools, filter_properties)
        LOG.debug("Weighed pools: %s", [(w.pool.host, w.weight) for w in ranked])
        return ranked[0].pool

    def _candidates(self, pools: Sequence[PoolState], props: dict[str, Any]) -> FilterOutcome:
        outcome = FilterOutcome(list(pools))
        backend = props.get("resource_backend")
        if backend:
            before = len(outcome.pools)
            outcome.pools = [
                p
                for p in outcome.pools
                if backend in (p.backend_id, p.host, p.backend_id.split("@")[0])
            ]
            if len(outcome.pools) < before:
                outcome.removed.append(("resource_backend", before - len(outcome.pools), before))
        tried = set((props.get("retry") or {}).get("backends", []))
        if tried:
            before = len(outcome.pools)
            outcome.pools = [
                p for p in outcome.pools if p.host not in tried and p.backend_id not in tried
            ]
            if len(outcome.pools) < before:
                outcome.removed.append(("RetryFilter", before - len(outcome.pools), before))
        filtered = self.filter_handler.run(outcome.pools, props)
        outcome.pools = filtered.pools
        outcome.removed += filtered.removed
        return outcome

    @staticmethod
    def reason(outcome: FilterOutcome, total: int, props: dict[str, Any]) -> str:
        if total == 0:
            return f"{NO_WEIGHED} No volume backend is up and reporting its capabilities."
        return f"{NO_WEIGHED} Filtered: {outcome.explain()}."
