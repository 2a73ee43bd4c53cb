"""Test doubles for the scheduler: host states and requests with Nova's attributes."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from compute.scheduler.host_state import HostState
from compute.scheduler.request import GroupInfo, SchedulingRequest


def host_state(
    host: str = "host1",
    nodename: str | None = None,
    *,
    ram_mb: int = 8192,
    free_ram_mb: int | None = None,
    vcpus: int = 4,
    vcpus_used: int = 0,
    disk_gb: int = 100,
    free_disk_gb: int | None = None,
    cpu_ratio: float = 1.0,
    ram_ratio: float = 1.0,
    disk_ratio: float = 1.0,
    up: bool = True,
    disabled: bool = False,
    aggregates: list[dict[str, Any]] | None = None,
    instances: list[str] | None = None,
    supported: list[tuple[str, str, str]] | None = None,
    hypervisor_version: int | None = None,
) -> HostState:
    state = HostState(host, nodename or host)
    state.total_usable_ram_mb = ram_mb
    state.free_ram_mb = ram_mb if free_ram_mb is None else free_ram_mb
    state.vcpus_total = vcpus
    state.vcpus_used = vcpus_used
    state.total_usable_disk_gb = disk_gb
    state.free_disk_mb = 1024 * (disk_gb if free_disk_gb is None else free_disk_gb)
    state.cpu_allocation_ratio = cpu_ratio
    state.ram_allocation_ratio = ram_ratio
    state.disk_allocation_ratio = disk_ratio
    state.service_up = up
    state.service_disabled = disabled
    state.aggregates = [SimpleNamespace(**a) for a in aggregates or []]
    state.instances = dict.fromkeys(instances or [])
    state.supported_instances = supported or []
    state.hypervisor_version = hypervisor_version
    return state


def request(
    *,
    memory_mb: int = 512,
    vcpus: int = 1,
    root_gb: int = 1,
    ephemeral_gb: int = 0,
    swap: int = 0,
    num_instances: int = 1,
    policy: str | None = None,
    members: list[str] | None = None,
    group_hosts: list[str] | None = None,
    rules: dict[str, Any] | None = None,
    **kwargs: Any,
) -> SchedulingRequest:
    group = None
    if policy is not None:
        group = GroupInfo(
            uuid="group-1",
            policy=policy,
            rules=rules or {},
            members=set(members or []),
            hosts=set(group_hosts or []),
        )
    return SchedulingRequest(
        memory_mb=memory_mb,
        vcpus=vcpus,
        root_gb=root_gb,
        ephemeral_gb=ephemeral_gb,
        swap=swap,
        num_instances=num_instances,
        group=group,
        **kwargs,
    )
