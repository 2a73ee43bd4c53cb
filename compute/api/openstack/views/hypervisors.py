"""The Compute API's hypervisor bodies at microversion 2.1: integer ids, ``cpu_info``
as the JSON string the driver reported (an object only from 2.28)."""

from __future__ import annotations

from typing import Any

DETAIL_FIELDS = (
    "vcpus",
    "memory_mb",
    "local_gb",
    "vcpus_used",
    "memory_mb_used",
    "local_gb_used",
    "hypervisor_type",
    "hypervisor_version",
    "free_ram_mb",
    "free_disk_gb",
    "current_workload",
    "running_vms",
    "disk_available_least",
    "host_ip",
)
STATISTICS_FIELDS = (
    "vcpus",
    "memory_mb",
    "local_gb",
    "vcpus_used",
    "memory_mb_used",
    "local_gb_used",
    "free_ram_mb",
    "free_disk_gb",
    "current_workload",
    "running_vms",
    "disk_available_least",
)


def hypervisor(
    node: Any, service: Any, detail: bool = False, servers: list[Any] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": node.id,
        "hypervisor_hostname": node.hypervisor_hostname,
        "state": "up" if service.is_up() else "down",
        "status": "disabled" if service.disabled else "enabled",
    }
    if detail:
        for field in DETAIL_FIELDS:
            value = getattr(node, field)
            body[field] = str(value) if field == "host_ip" and value is not None else value
        body["service"] = {
            "host": node.host,
            "id": service.id,
            "disabled_reason": service.disabled_reason,
        }
        body["cpu_info"] = node.cpu_info
    if servers:
        body["servers"] = [{"name": server.name, "uuid": server.uuid} for server in servers]
    return body


def statistics(nodes: list[Any]) -> dict[str, Any]:
    totals = {
        field: sum(getattr(node, field) or 0 for node in nodes) for field in STATISTICS_FIELDS
    }
    return {"hypervisor_statistics": {"count": len(nodes), **totals}}
