"""What cinder-scheduler knows about the backends: one ``PoolState`` per pool.

Each cinder-volume reports its driver's stats by ``update_service_capabilities``
(fanout cast) at start and periodically; the scheduler keeps the last report of every
backend (``host@backend``) and, for each request, builds the pools of the backends whose
service is enabled and up and whose report is recent.  A backend that reports no
``pools`` is one pool named after its ``volume_backend_name``.
"""

from __future__ import annotations

import copy
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from common.config import CONF

LOG = logging.getLogger(__name__)

DEFAULT_OVER_SUBSCRIPTION_RATIO = 20.0
POOL_KEYS = (
    "total_capacity_gb",
    "free_capacity_gb",
    "allocated_capacity_gb",
    "provisioned_capacity_gb",
    "reserved_percentage",
    "max_over_subscription_ratio",
    "thin_provisioning_support",
    "thick_provisioning_support",
    "multiattach",
)


def _capacity(value: Any) -> float | str:
    """A capacity in GB, or Cinder's ``'infinite'`` / ``'unknown'``."""
    if isinstance(value, str) and value.lower() in ("infinite", "unknown"):
        return value.lower()
    try:
        return float(value)
    except (TypeError, ValueError):
        return "unknown"


def over_subscription_ratio(capabilities: dict[str, Any]) -> float:
    """The pool's ratio; ``'auto'`` is derived from what is provisioned over what is
    used (1 + provisioned / used), as Cinder does, and 20.0 while nothing is."""
    if not capabilities.get("thin_provisioning_support", False):
        return 1.0
    value = capabilities.get("max_over_subscription_ratio", DEFAULT_OVER_SUBSCRIPTION_RATIO)
    if str(value).lower() == "auto":
        allocated = float(capabilities.get("allocated_capacity_gb", 0) or 0)
        provisioned = float(capabilities.get("provisioned_capacity_gb", allocated) or 0)
        total = _capacity(capabilities.get("total_capacity_gb", 0))
        free = _capacity(capabilities.get("free_capacity_gb", 0))
        if provisioned <= 0 or not isinstance(total, float) or not isinstance(free, float):
            return DEFAULT_OVER_SUBSCRIPTION_RATIO
        return 1.0 + provisioned / (total - free + 1.0)
    try:
        return float(value)
    except (TypeError, ValueError):
        return DEFAULT_OVER_SUBSCRIPTION_RATIO


@dataclass
class PoolState:
    """One pool of one backend, as the filters and weighers see it."""

    backend_id: str  # host@backend
    pool_name: str
    availability_zone: str | None = None
    capabilities: dict[str, Any] = field(default_factory=dict)
    total_capacity_gb: float | str = 0.0
    free_capacity_gb: float | str = 0.0
    allocated_capacity_gb: float = 0.0
    provisioned_capacity_gb: float = 0.0
    reserved_percentage: float = 0.0
    max_over_subscription_ratio: float = 1.0
    thin_provisioning_support: bool = False
    thick_provisioning_support: bool = True
    multiattach: bool = False
    updated: float = 0.0

    @property
    def host(self) -> str:
        """``host@backend#pool``: what ``volume.host`` is set to."""
        return f"{self.backend_id}#{self.pool_name}"

    @classmethod
    def from_report(
        cls, backend_id: str, backend_caps: dict[str, Any], pool: dict[str, Any] | None, zone: str
    ) -> PoolState:
        merged = {k: v for k, v in backend_caps.items() if k != "pools"}
        merged.update(pool or {})
        name = (
            (pool or {}).get("pool_name")
            or backend_caps.get("volume_backend_name")
            or (backend_id.split("@")[-1])
        )
        allocated = float(merged.get("allocated_capacity_gb", 0) or 0)
        state = cls(
            backend_id=backend_id,
            pool_name=str(name),
            availability_zone=zone,
            capabilities=merged,
            total_capacity_gb=_capacity(merged.get("total_capacity_gb", 0)),
            free_capacity_gb=_capacity(merged.get("free_capacity_gb", 0)),
            allocated_capacity_gb=allocated,
            provisioned_capacity_gb=float(merged.get("provisioned_capacity_gb", allocated) or 0),
            reserved_percentage=float(merged.get("reserved_percentage", 0) or 0),
            max_over_subscription_ratio=over_subscription_ratio(merged),
            thin_provisioning_support=bool(merged.get("thin_provisioning_support", False)),
            thick_provisioning_support=bool(merged.get("thick_provisioning_support", True)),
            multiattach=bool(merged.get("multiattach", False)),
        )
        return state

    def consume_from_volume(self, size: int) -> None:
        """Count a volume just placed here, so the next request sees the pool fuller
        before the backend's next report."""
        self.allocated_capacity_gb += size
        self.provisioned_capacity_gb += size
        if isinstance(self.free_capacity_gb, float):
            self.free_capacity_gb -= size
        self.updated = time.time()

    def __repr__(self) -> str:
        return (
            f"PoolState({self.host}, free={self.free_capacity_gb}, "
            f"total={self.total_capacity_gb}, zone={self.availability_zone})"
        )


class HostManager:
    """Last reported capabilities per backend, and the pools built from them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.service_states: dict[str, dict[str, Any]] = {}  # backend -> capabilities
        self._received: dict[str, float] = {}  # backend -> time of the report
        # Pools keep what this scheduler placed until the backend reports again.
        self._consumed: dict[str, float] = {}

    def update_service_capabilities(
        self, service_name: str, host: str, capabilities: dict[str, Any]
    ) -> None:
        if service_name != "volume":
            LOG.debug("Ignoring %s capabilities of %s", service_name, host)
            return
        with self._lock:
            self.service_states[host] = copy.deepcopy(capabilities or {})
            self._received[host] = time.time()
            for key in [k for k in self._consumed if k.startswith(host + "#")]:
                del self._consumed[key]
        LOG.debug("Capabilities of %s: %s", host, capabilities)

    def note_consumed(self, pool: PoolState, size: int) -> None:
        with self._lock:
            self._consumed[pool.host] = self._consumed.get(pool.host, 0.0) + size

    def pool_states(self, services: list[Any]) -> list[PoolState]:
        """Pools of the backends whose cinder-volume service is enabled, up and has
        reported within ``backend_capabilities_max_age`` seconds."""
        now = time.time()
        max_age = CONF.backend_capabilities_max_age
        pools: list[PoolState] = []
        with self._lock:
            for service in services:
                backend = service.host
                caps = self.service_states.get(backend)
                if caps is None:
                    LOG.debug("Backend %s has not reported its capabilities", backend)
                    continue
                if service.disabled or not service.is_up():
                    LOG.debug("Backend %s is disabled or down", backend)
                    continue
                if now - self._received.get(backend, 0) > max_age:
                    LOG.warning("Capabilities of %s are older than %ss", backend, max_age)
                    continue
                zone = service.availability_zone or CONF.storage_availability_zone
                for pool in caps.get("pools") or [None]:
                    state = PoolState.from_report(backend, caps, pool, zone)
                    state.updated = self._received[backend]
                    used = self._consumed.get(state.host, 0.0)
                    if used:
                        state.consume_from_volume(int(used))
                    pools.append(state)
        return pools

    def get_pools(self, services: list[Any], filters: dict[str, Any] | None = None) -> list[dict]:
        """``scheduler-stats/get_pools``: ``[{"name", "capabilities"}]``, optionally
        only the pools whose ``name``, ``backend_name`` (volume_backend_name) or
        capability keys match ``filters``."""
        result = []
        for state in self.pool_states(services):
            caps = dict(state.capabilities)
            caps.pop("pools", None)
            caps.setdefault("pool_name", state.pool_name)
            caps["timestamp"] = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(state.updated))
            result.append({"name": state.host, "capabilities": caps})
        for key, value in (filters or {}).items():
            if key == "name":
                result = [p for p in result if p["name"] == value]
            elif key == "backend_name":
                result = [
                    p for p in result if p["capabilities"].get("volume_backend_name") == value
                ]
            else:
                result = [p for p in result if str(p["capabilities"].get(key)) == str(value)]
        return result
