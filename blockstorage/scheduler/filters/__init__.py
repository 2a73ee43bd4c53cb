"""Backend filters: each removes the pools that cannot hold the volume, for one reason.

A filter answers ``backend_passes(pool, filter_properties)``.  ``FilterHandler`` runs
the configured filters (``scheduler_default_filters``) in order and records how many
pools each removed: that is what ``NoValidBackend`` tells the user.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from blockstorage import exception
from blockstorage.scheduler.host_manager import PoolState

LOG = logging.getLogger(__name__)


class BaseBackendFilter:
    def backend_passes(self, pool: PoolState, filter_properties: dict[str, Any]) -> bool:
        raise NotImplementedError

    @classmethod
    def name(cls) -> str:
        return cls.__name__


@dataclass
class FilterOutcome:
    pools: list[PoolState]
    removed: list[tuple[str, int, int]] = field(default_factory=list)

    def explain(self) -> str:
        """``"CapacityFilter removed 2 of 3 backend pools, ..."``."""
        return ", ".join(
            f"{name} removed {count} of {total} backend pool{'s' if total != 1 else ''}"
            for name, count, total in self.removed
        )


class FilterHandler:
    def __init__(self, filters: list[BaseBackendFilter]) -> None:
        self.filters = filters

    def run(self, pools: Iterable[PoolState], filter_properties: dict[str, Any]) -> FilterOutcome:
        outcome = FilterOutcome(list(pools))
        for backend_filter in self.filters:
            if not outcome.pools:
                break
            before = len(outcome.pools)
            outcome.pools = [
                p for p in outcome.pools if backend_filter.backend_passes(p, filter_properties)
            ]
            LOG.debug("Filter %s returned %d pool(s)", backend_filter.name(), len(outcome.pools))
            if len(outcome.pools) < before:
                outcome.removed.append((backend_filter.name(), before - len(outcome.pools), before))
        return outcome


def all_filters() -> dict[str, type[BaseBackendFilter]]:
    from blockstorage.scheduler.filters import (
        availability_zone_filter,
        capabilities_filter,
        capacity_filter,
    )

    classes = (
        availability_zone_filter.AvailabilityZoneFilter,
        capacity_filter.CapacityFilter,
        capabilities_filter.CapabilitiesFilter,
    )
    return {cls.__name__: cls for cls in classes}


def build_filters(names: Iterable[str]) -> list[BaseBackendFilter]:
    """Instances of the named filters, in order (``SchedulerHostFilterNotFound``)."""
    available = all_filters()
    result = []
    for name in names:
        if name not in available:
            raise exception.SchedulerHostFilterNotFound(filter_name=name)
        result.append(available[name]())
    return result
