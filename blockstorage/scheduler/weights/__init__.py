"""Pool weighers: order the pools that passed the filters, best first.

Raw values are normalised to 0..1 across the candidates and multiplied by the
weigher's multiplier; the weights are summed.  ``CapacityWeigher`` (free virtual
capacity, ``capacity_weight_multiplier``) spreads volumes; ``AllocatedCapacityWeigher``
(``allocated_capacity_weight_multiplier``, negative) prefers the least allocated.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from blockstorage import exception
from blockstorage.scheduler.host_manager import PoolState
from common.config import CONF


@dataclass
class WeighedPool:
    pool: PoolState
    weight: float = 0.0


class BaseWeigher:
    multiplier_option: ClassVar[str] = ""

    def multiplier(self) -> float:
        return float(getattr(CONF, self.multiplier_option))

    def weigh(self, pool: PoolState, filter_properties: dict[str, Any]) -> float:
        raise NotImplementedError


def free_virtual_capacity(pool: PoolState, thin: bool = True) -> float:
    """What the pool can still take: free space less reserved, or with thin
    provisioning the over-subscribed total less what is provisioned."""
    free, total = pool.free_capacity_gb, pool.total_capacity_gb
    if free == "infinite" or total == "infinite":
        return math.inf
    if free == "unknown" or total == "unknown":
        return 0.0
    reserved = math.floor(float(total) * pool.reserved_percentage / 100.0)
    if thin and pool.thin_provisioning_support:
        return (
            float(total) * pool.max_over_subscription_ratio
            - pool.provisioned_capacity_gb
            - reserved
        )
    return float(free) - reserved


class CapacityWeigher(BaseWeigher):
    multiplier_option = "capacity_weight_multiplier"

    def weigh(self, pool: PoolState, filter_properties: dict[str, Any]) -> float:
        volume_type = filter_properties.get("volume_type") or {}
        thin = (volume_type.get("extra_specs") or {}).get("provisioning:type") != "thick"
        return free_virtual_capacity(pool, thin)


class AllocatedCapacityWeigher(BaseWeigher):
    multiplier_option = "allocated_capacity_weight_multiplier"

    def weigh(self, pool: PoolState, filter_properties: dict[str, Any]) -> float:
        return pool.allocated_capacity_gb


def normalize(values: Sequence[float]) -> list[float]:
    """0..1 between the smallest and the largest (infinite counts as the largest)."""
    finite = [v for v in values if not math.isinf(v)]
    if not values:
        return []
    low = min(finite) if finite else 0.0
    high = max(finite) if finite else 0.0
    result = []
    for value in values:
        if math.isinf(value):
            result.append(1.0)
        elif high == low:
            result.append(0.0)
        else:
            result.append((value - low) / (high - low))
    return result


def weigh(
    weighers: Iterable[BaseWeigher], pools: Sequence[PoolState], filter_properties: dict[str, Any]
) -> list[WeighedPool]:
    """Pools best first (stable: equal weights keep their order)."""
    weighed = [WeighedPool(p) for p in pools]
    for weigher in weighers:
        raw = [weigher.weigh(p, filter_properties) for p in pools]
        multiplier = weigher.multiplier()
        for item, value in zip(weighed, normalize(raw), strict=True):
            item.weight += multiplier * value
    return sorted(weighed, key=lambda item: item.weight, reverse=True)


def all_weighers() -> dict[str, type[BaseWeigher]]:
    return {cls.__name__: cls for cls in (CapacityWeigher, AllocatedCapacityWeigher)}


def build_weighers(names: Iterable[str]) -> list[BaseWeigher]:
    available = all_weighers()
    result = []
    for name in names:
        if name not in available:
            raise exception.SchedulerHostWeigherNotFound(weigher_name=name)
        result.append(available[name]())
    return result
