"""AvailabilityZoneFilter: the pool's zone must be the one the volume asked for (or one
of the type's ``RESKEY:availability_zones``)."""

from __future__ import annotations

from typing import Any

from blockstorage.scheduler.filters import BaseBackendFilter
from blockstorage.scheduler.host_manager import PoolState


class AvailabilityZoneFilter(BaseBackendFilter):
    def backend_passes(self, pool: PoolState, filter_properties: dict[str, Any]) -> bool:
        zones = filter_properties.get("availability_zones") or []
        if zones:
            return pool.availability_zone in zones
        wanted = (filter_properties.get("volume_properties") or {}).get("availability_zone")
        return wanted is None or pool.availability_zone == wanted
