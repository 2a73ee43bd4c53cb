"""Host weighers: order the hosts that passed the filters, best first.

Each weigher gives every host a raw value (free RAM, free vCPUs...).  The values are
normalised to 0..1 across the candidate hosts (the lowest 0, the highest 1; all 0 when
they are equal), multiplied by the weigher's multiplier and summed.  A positive
multiplier prefers the host with the highest raw value (spread), a negative one the
lowest (stack).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from common.config import CONF
from compute.scheduler.filters import aggregate_values, load_classes
from compute.scheduler.host_state import HostState
from compute.scheduler.request import SchedulingRequest

LOG = logging.getLogger(__name__)


@dataclass
class WeighedHost:
    host_state: HostState
    weight: float = 0.0

    def __repr__(self) -> str:
        return f"WeighedHost [host: {self.host_state!r}, weight: {self.weight}]"


class BaseHostWeigher:
    """Base of every weigher: ``weigh_object`` gives one host's raw value.

    ``multiplier_option`` names the ``[filter_scheduler]`` option (and aggregate
    metadata key) holding the multiplier; ``minval`` / ``maxval`` fix the
    normalisation range when the weigher knows it.
    """

    multiplier_option: ClassVar[str | None] = None
    minval: float | None = None
    maxval: float | None = None

    def configured_multiplier(self) -> float:
        if self.multiplier_option is None:
            return 1.0
        return float(getattr(CONF.filter_scheduler, self.multiplier_option))

    def weight_multiplier(self, host_state: HostState, configured: float | None = None) -> float:
        """The multiplier for this host: its aggregates' metadata, else ``configured``
        (read from the options when not given)."""
        if configured is None:
            configured = self.configured_multiplier()
        if self.multiplier_option is None or not host_state.aggregates:
            return configured
        return multiplier(host_state, self.multiplier_option, configured)

    def weigh_object(self, host_state: HostState, request: SchedulingRequest) -> float:
        raise NotImplementedError

    def weigh_objects(
        self, hosts: Sequence[WeighedHost], request: SchedulingRequest
    ) -> list[float]:
        return [self.weigh_object(h.host_state, request) for h in hosts]


def normalize(
    weights: Sequence[float], minval: float | None = None, maxval: float | None = None
) -> list[float]:
    """Scale to 0..1 between ``minval`` and ``maxval`` (default: the list's own)."""
    if not weights:
        return []
    low = float(min(weights) if minval is None else minval)
    high = float(max(weights) if maxval is None else maxval)
    if low == high:
        return [0.0] * len(weights)
    return [(w - low) / (high - low) for w in weights]


def multiplier(host_state: HostState, name: str, configured: float) -> float:
    """The aggregate metadata ``name`` of the host's aggregates (the smallest when they
    disagree) overrides the configured multiplier, as Nova lets operators do."""
    values = []
    for value in aggregate_values(host_state, name):
        try:
            values.append(float(value))
        except ValueError:
            LOG.warning("Could not parse aggregate metadata %s=%r as a number", name, value)
    return min(values) if values else configured


class WeightHandler:
    def __init__(self, weighers: Sequence[BaseHostWeigher]) -> None:
        self.weighers = list(weighers)

    def weigh(self, hosts: Iterable[HostState], request: SchedulingRequest) -> list[WeighedHost]:
        """Hosts sorted best first (the sort is stable: ties keep their order)."""
        weighed = [WeighedHost(h) for h in hosts]
        if len(weighed) <= 1:
            return weighed
        for weigher in self.weighers:
            raw = weigher.weigh_objects(weighed, request)
            normalized = normalize(raw, weigher.minval, weigher.maxval)
            if not any(normalized):
                continue  # nothing to tell the hosts apart (e.g. no server group)
            configured = weigher.configured_multiplier()
            for item, value in zip(weighed, normalized, strict=True):
                if value:
                    item.weight += weigher.weight_multiplier(item.host_state, configured) * value
        return sorted(weighed, key=lambda item: item.weight, reverse=True)


def build_weighers(paths: Iterable[str]) -> list[BaseHostWeigher]:
    return [cls() for cls in load_classes(paths, BaseHostWeigher)]


def all_weighers() -> list[type[BaseHostWeigher]]:
    """Every weigher Novella ships (the default of ``weight_classes``)."""
    from compute.scheduler.weights import affinity, cpu, disk, ram

    return [
        ram.RAMWeigher,
        cpu.CPUWeigher,
        disk.DiskWeigher,
        affinity.ServerGroupSoftAffinityWeigher,
        affinity.ServerGroupSoftAntiAffinityWeigher,
    ]
