"""CapabilitiesFilter: every extra spec of the volume type that is unscoped or in the
``capabilities:`` scope must be satisfied by the pool's reported capabilities (other
scopes, e.g. ``RESKEY:`` or ``provisioning:``, are for other parts of Cinder)."""

from __future__ import annotations

import logging
from typing import Any

from blockstorage.scheduler.filters import BaseBackendFilter, extra_specs_ops
from blockstorage.scheduler.host_manager import PoolState

LOG = logging.getLogger(__name__)


def satisfies(capabilities: dict[str, Any], extra_specs: dict[str, str]) -> bool:
    for key, requirement in extra_specs.items():
        scope = key.split(":")
        if len(scope) > 1:
            if scope[0] != "capabilities":
                continue
            scope = scope[1:]
        value: Any = capabilities
        for part in scope:
            if not isinstance(value, dict) or part not in value:
                LOG.debug("Backend does not provide capability %s", part)
                return False
            value = value[part]
        if not extra_specs_ops.match(value, requirement):
            LOG.debug("Capability %s=%r does not satisfy %r", key, value, requirement)
            return False
    return True


class CapabilitiesFilter(BaseBackendFilter):
    def backend_passes(self, pool: PoolState, filter_properties: dict[str, Any]) -> bool:
        volume_type = filter_properties.get("volume_type") or {}
        extra_specs = volume_type.get("extra_specs") or {}
        return satisfies(pool.capabilities, extra_specs)
