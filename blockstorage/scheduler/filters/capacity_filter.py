"""CapacityFilter: the pool has room for the volume, counting over-subscription.

Free space is what the backend reports minus its ``reserved_percentage`` of the
total.  On a thin-provisioning pool (and a type that does not ask for
``provisioning:type`` ``thick``) the volume fits when the provisioned capacity plus the
volume stays within ``max_over_subscription_ratio`` times the total, and the free space
times the ratio holds the volume; otherwise the free space itself must.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from blockstorage.scheduler.filters import BaseBackendFilter
from blockstorage.scheduler.host_manager import PoolState

LOG = logging.getLogger(__name__)


class CapacityFilter(BaseBackendFilter):
    def backend_passes(self, pool: PoolState, filter_properties: dict[str, Any]) -> bool:
        if filter_properties.get("vol_exists_on") == pool.backend_id:
            return True  # a volume growing where it already is
        size = float(filter_properties.get("size") or 0)
        free_space, total_space = pool.free_capacity_gb, pool.total_capacity_gb
        reserved = pool.reserved_percentage / 100.0
        if free_space in ("infinite", "unknown"):
            return True
        if total_space in ("infinite", "unknown"):
            # Without a total the reserved share cannot be computed.
            return reserved == 0
        total = float(total_space)
        if total <= 0:
            LOG.warning("Pool %s reports no capacity (total %.2f GB)", pool.host, total)
            return False
        free = float(free_space) - math.floor(total * reserved)
        volume_type = filter_properties.get("volume_type") or {}
        thin = (volume_type.get("extra_specs") or {}).get("provisioning:type") != "thick"
        if thin and pool.thin_provisioning_support:
            ratio = pool.max_over_subscription_ratio
            if ratio < 1:
                LOG.warning("Pool %s has an invalid over-subscription ratio %.2f", pool.host, ratio)
                return False
            provisioned_ratio = (pool.provisioned_capacity_gb + size) / total
            if provisioned_ratio > ratio:
                LOG.warning(
                    "Pool %s: provisioned/total %.2f would exceed the over-subscription ratio %.2f",
                    pool.host,
                    provisioned_ratio,
                    ratio,
                )
                return False
            if free * ratio < size:
                LOG.warning(
                    "Pool %s: %.2f GB of free virtual space cannot hold a thin %s GB volume",
                    pool.host,
                    free * ratio,
                    size,
                )
                return False
            return True
        if free < size:
            LOG.warning(
                "Pool %s: not enough free space (requested / available): %s/%s",
                pool.host,
                size,
                free,
            )
            return False
        return True
