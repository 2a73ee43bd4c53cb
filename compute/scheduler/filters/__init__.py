"""Host filters: each removes the hosts that cannot take the instance, for one reason.

A filter answers ``host_passes(host_state, request)``.  ``FilterHandler`` runs the
enabled filters in order and records how many hosts each one removed, which is what
``NoValidHost`` tells the user when nothing is left.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from compute import exception
from compute.scheduler.host_state import HostState
from compute.scheduler.request import SchedulingRequest

LOG = logging.getLogger(__name__)


class BaseHostFilter:
    """Base of every host filter.

    ``run_filter_once_per_request``: the answer does not change while the instances of
    one request are placed (it depends on the host and the request, not on resources
    consumed), so the filter runs only for the first instance.
    """

    run_filter_once_per_request = False

    def host_passes(self, host_state: HostState, request: SchedulingRequest) -> bool:
        raise NotImplementedError

    def run_filter_for_index(self, index: int) -> bool:
        return not (self.run_filter_once_per_request and index > 0)

    def filter_all(self, hosts: Iterable[HostState], request: SchedulingRequest) -> list[HostState]:
        return [host for host in hosts if self.host_passes(host, request)]

    @classmethod
    def name(cls) -> str:
        return cls.__name__


@dataclass
class FilterOutcome:
    """The hosts left, and for each filter that removed any: (name, removed, of)."""

    hosts: list[HostState]
    removed: list[tuple[str, int, int]] = field(default_factory=list)

    def remove(self, name: str, before: int, after: int) -> None:
        if after < before:
            self.removed.append((name, before - after, before))

    def explain(self) -> str:
        """``"RamFilter removed 2 of 3 hosts, ..."``, the part of NoValidHost users read."""
        return ", ".join(
            f"{name} removed {count} of {total} host{'s' if total != 1 else ''}"
            for name, count, total in self.removed
        )


class FilterHandler:
    """Runs the filters over every candidate host for each instance of a request.

    A once-per-request filter runs for the first instance only; for the next ones its
    first answer is reused, so each instance's outcome still counts every removal from
    the full host list and ``NoValidHost`` describes the whole picture.
    """

    def __init__(self, filters: Sequence[BaseHostFilter]) -> None:
        self.filters = list(filters)

    def run(
        self,
        hosts: Iterable[HostState],
        request: SchedulingRequest,
        index: int = 0,
        memo: dict[int, set[int]] | None = None,
    ) -> FilterOutcome:
        """Filter ``hosts`` for instance number ``index``; pass the same ``memo`` dict
        for every instance of one request."""
        memo = {} if memo is None else memo
        outcome = FilterOutcome(list(hosts))
        for position, host_filter in enumerate(self.filters):
            if not outcome.hosts:
                break
            before = len(outcome.hosts)
            if host_filter.run_filter_for_index(index) or position not in memo:
                outcome.hosts = host_filter.filter_all(outcome.hosts, request)
                if host_filter.run_filter_once_per_request:
                    memo[position] = {id(h) for h in outcome.hosts}
            else:
                outcome.hosts = [h for h in outcome.hosts if id(h) in memo[position]]
            LOG.debug("Filter %s returned %d host(s)", host_filter.name(), len(outcome.hosts))
            outcome.remove(host_filter.name(), before, len(outcome.hosts))
        return outcome


def load_classes(paths: Iterable[str], base: type) -> list[type]:
    """Classes named by dotted paths: each a subclass of ``base`` or a function
    returning a list of them (``compute.scheduler.filters.all_filters``)."""
    found: list[type] = []
    for path in paths:
        module_name, _, attr = path.rpartition(".")
        try:
            obj: Any = getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError, ValueError) as exc:
            raise exception.ClassNotFound(class_name=path, exception=exc) from exc
        classes = [obj] if isinstance(obj, type) else list(obj())
        for cls in classes:
            if not (isinstance(cls, type) and issubclass(cls, base)):
                raise exception.ClassNotFound(
                    class_name=path, exception=f"{cls!r} is not a {base.__name__}"
                )
            if cls not in found:
                found.append(cls)
    return found


def build_filters(available: Iterable[str], enabled: Iterable[str]) -> list[BaseHostFilter]:
    """Instances of the enabled filters, in the configured order."""
    by_name = {cls.__name__: cls for cls in load_classes(available, BaseHostFilter)}
    filters = []
    for name in enabled:
        if name not in by_name:
            raise exception.SchedulerHostFilterNotFound(filter_name=name)
        filters.append(by_name[name]())
    return filters


def all_filters() -> list[type[BaseHostFilter]]:
    """Every filter Novella ships (the default of ``available_filters``)."""
    from compute.scheduler.filters import (
        affinity_filter,
        aggregate_instance_extra_specs,
        availability_zone_filter,
        compute_filter,
        core_filter,
        disk_filter,
        image_props_filter,
        ram_filter,
        retry_filter,
    )

    return [
        retry_filter.RetryFilter,
        availability_zone_filter.AvailabilityZoneFilter,
        compute_filter.ComputeFilter,
        ram_filter.RamFilter,
        core_filter.CoreFilter,
        disk_filter.DiskFilter,
        image_props_filter.ImagePropertiesFilter,
        aggregate_instance_extra_specs.AggregateInstanceExtraSpecsFilter,
        affinity_filter.ServerGroupAntiAffinityFilter,
        affinity_filter.ServerGroupAffinityFilter,
    ]


def aggregate_values(host_state: HostState, key: str) -> set[str]:
    """Values of metadata ``key`` across the host's aggregates (one per aggregate)."""
    values = set()
    for aggregate in host_state.aggregates:
        metadata = aggregate.get("metadata") if isinstance(aggregate, dict) else None
        if metadata is None:
            metadata = getattr(aggregate, "metadata", None) or {}
        if key in metadata:
            values.add(str(metadata[key]))
    return values
