"""Small value types a virt driver returns about guests and hosts."""

from __future__ import annotations

from dataclasses import dataclass

from compute.states import PowerState


@dataclass(frozen=True)
class InstanceInfo:
    """What the hypervisor says about one guest (``ComputeDriver.get_info``).

    ``state`` is the authority the compute manager's power-state sync compares with the
    database; ``internal_id`` is the hypervisor's own name for the guest, if it has one.
    """

    state: PowerState
    internal_id: str | None = None
    memory_mb: int = 0
    vcpus: int = 0
    cpu_time_ns: int = 0
