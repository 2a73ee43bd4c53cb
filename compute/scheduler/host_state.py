"""What the scheduler knows about one compute node, and where that knowledge comes from.

A ``HostState`` is built from a ``ComputeNode`` row (resources the node's resource
tracker reported), the node's ``nova-compute`` ``Service`` (enabled, up), the aggregates
the host belongs to and, when a server group asks, the instances on it.  While the
scheduler places instances it consumes resources from the chosen ``HostState`` so that
the next instance of the same request, and the next request, see the host fuller.
Those consumptions are kept until the node reports again: a node row older than our
last consumption does not overwrite it (Nova's rule), so a burst of requests does not
pile onto the host that looked emptiest a second ago.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from collections.abc import Iterable
from typing import Any

from common.config import CONF
from common.service import servicegroup
from compute.scheduler.request import SchedulingRequest, read

LOG = logging.getLogger(__name__)

COMPUTE_BINARY = "nova-compute"
DEFAULT_VM_MODE = "hvm"


def allocation_ratio(node_value: Any, kind: str) -> float:
    """The node's ratio, else ``[DEFAULT] <kind>_allocation_ratio``, else the initial one.

    A node that reports 0.0 or nothing has not chosen; the operator's setting decides.
    """
    if node_value:
        return float(node_value)
    configured = getattr(CONF, f"{kind}_allocation_ratio")
    if configured:
        return float(configured)
    return float(getattr(CONF, f"initial_{kind}_allocation_ratio"))


def _as_dict(value: Any) -> dict[str, Any]:
    if not value:
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return dict(value) if isinstance(value, dict) else {}


def supported_instances(node: Any) -> list[tuple[str, str, str]]:
    """(architecture, hypervisor type, vm mode) triples the node can run.

    Taken from the node's ``supported_hv_specs`` or its ``stats['supported_instances']``
    (a JSON list of triples) when it reports them, else derived from ``cpu_info['arch']``
    and ``hypervisor_type`` with Nova's default vm mode ``hvm``.
    """
    specs = read(node, "supported_hv_specs")
    if not specs:
        specs = _as_dict(read(node, "stats")).get("supported_instances")
        if isinstance(specs, str):
            try:
                specs = json.loads(specs)
            except ValueError:
                specs = None
    result = []
    for spec in specs or []:
        if isinstance(spec, list | tuple):
            triple = list(spec)
        else:
            triple = [read(spec, "arch"), read(spec, "hv_type"), read(spec, "vm_mode")]
        triple = [str(x).lower() if x else "" for x in (triple + ["", "", ""])[:3]]
        result.append((triple[0], triple[1], triple[2]))
    if result:
        return result
    arch = _as_dict(read(node, "cpu_info")).get("arch")
    hv_type = read(node, "hypervisor_type")
    if arch or hv_type:
        return [(str(arch or "").lower(), str(hv_type or "").lower(), DEFAULT_VM_MODE)]
    return []


class HostState:
    """Mutable view of one (host, node) for one scheduler process."""

    def __init__(self, host: str, nodename: str | None) -> None:
        self.host = host
        self.nodename = nodename
        self.uuid: str | None = None
        self.total_usable_ram_mb = 0
        self.free_ram_mb = 0
        self.total_usable_disk_gb = 0
        self.free_disk_mb = 0
        self.disk_mb_used = 0
        self.vcpus_total = 0
        self.vcpus_used = 0
        self.num_instances = 0
        self.cpu_allocation_ratio = 0.0
        self.ram_allocation_ratio = 0.0
        self.disk_allocation_ratio = 0.0
        self.hypervisor_type: str | None = None
        self.hypervisor_version: int | None = None
        self.hypervisor_hostname: str | None = None
        self.host_ip: str | None = None
        self.cpu_info: dict[str, Any] = {}
        self.stats: dict[str, Any] = {}
        self.supported_instances: list[tuple[str, str, str]] = []
        self.service_disabled = False
        self.service_disabled_reason: str | None = None
        self.service_up = False
        self.aggregates: list[Any] = []
        self.instances: dict[str, Any] = {}
        # Filled by the resource filters: what nova-compute may claim up to.
        self.limits: dict[str, float] = {}
        self.updated: dt.datetime | None = None

    def __repr__(self) -> str:
        return (
            f"({self.host}, {self.nodename}) ram: {self.free_ram_mb}MB "
            f"disk: {self.free_disk_mb}MB io_ops: 0 instances: {self.num_instances}"
        )

    # -- from the database ------------------------------------------------------------
    def update_from_compute_node(self, node: Any) -> bool:
        """Take the node's reported resources, unless we consumed since it reported.

        Returns whether the report was taken.
        """
        reported = read(node, "updated_at") or read(node, "created_at")
        if reported is not None and reported.tzinfo is not None:
            reported = reported.astimezone(dt.UTC).replace(tzinfo=None)
        if self.updated and reported and self.updated > reported:
            return False
        free_gb = int(read(node, "free_disk_gb", 0))
        least_gb = read(node, "disk_available_least")
        if least_gb is not None:
            free_gb = min(int(least_gb), free_gb)
        self.uuid = read(node, "uuid")
        self.total_usable_ram_mb = int(read(node, "memory_mb", 0))
        self.free_ram_mb = int(read(node, "free_ram_mb", 0))
        self.total_usable_disk_gb = int(read(node, "local_gb", 0))
        self.free_disk_mb = free_gb * 1024
        self.disk_mb_used = int(read(node, "local_gb_used", 0)) * 1024
        self.vcpus_total = int(read(node, "vcpus", 0))
        self.vcpus_used = int(read(node, "vcpus_used", 0))
        self.num_instances = int(read(node, "running_vms", 0))
        self.cpu_allocation_ratio = allocation_ratio(read(node, "cpu_allocation_ratio"), "cpu")
        self.ram_allocation_ratio = allocation_ratio(read(node, "ram_allocation_ratio"), "ram")
        self.disk_allocation_ratio = allocation_ratio(read(node, "disk_allocation_ratio"), "disk")
        self.hypervisor_type = read(node, "hypervisor_type")
        self.hypervisor_version = read(node, "hypervisor_version")
        self.hypervisor_hostname = read(node, "hypervisor_hostname")
        self.host_ip = read(node, "host_ip")
        self.cpu_info = _as_dict(read(node, "cpu_info"))
        self.stats = _as_dict(read(node, "stats"))
        self.supported_instances = supported_instances(node)
        self.updated = reported
        return True

    def update_service(self, service: Any) -> None:
        self.service_disabled = bool(read(service, "disabled", False))
        self.service_disabled_reason = read(service, "disabled_reason")
        is_up = getattr(service, "is_up", None)
        if callable(is_up):
            self.service_up = bool(is_up())
        else:
            self.service_up = servicegroup.is_up(
                read(service, "last_seen_up"),
                read(service, "updated_at"),
                read(service, "created_at"),
                bool(read(service, "forced_down", False)),
            )

    # -- while scheduling -------------------------------------------------------------
    def consume_from_request(
        self, request: SchedulingRequest, instance_uuid: str | None = None
    ) -> None:
        """Account for one instance of ``request`` placed here (Nova's arithmetic:
        root and ephemeral disk, not swap, are taken from the free disk)."""
        self.free_ram_mb -= request.memory_mb
        self.free_disk_mb -= 1024 * (request.root_gb + request.ephemeral_gb)
        self.vcpus_used += request.vcpus
        self.num_instances += 1
        if instance_uuid:
            self.instances[instance_uuid] = None
        self.updated = servicegroup.utcnow()

    def release_from_request(
        self,
        request: SchedulingRequest,
        instance_uuid: str | None,
        updated: dt.datetime | None,
    ) -> None:
        """Undo ``consume_from_request`` when the request as a whole is refused;
        ``updated`` is what ``self.updated`` was before the consumption."""
        self.free_ram_mb += request.memory_mb
        self.free_disk_mb += 1024 * (request.root_gb + request.ephemeral_gb)
        self.vcpus_used -= request.vcpus
        self.num_instances -= 1
        if instance_uuid:
            self.instances.pop(instance_uuid, None)
        self.updated = updated


class HostStateCache:
    """The scheduler's map of (host, node) -> HostState, refreshed from the database.

    Reading the database happens outside any lock; ``refresh`` merges what was read
    into the map under the caller's lock.
    """

    def __init__(self) -> None:
        self._states: dict[tuple[str, str | None], HostState] = {}
        self.lock = threading.Lock()

    @staticmethod
    def read_database(ctxt: Any, with_instances: bool) -> dict[str, Any]:
        """Nodes, services, aggregates (and instances per host if asked) from the DB."""
        from compute.objects import Service, ServiceList  # noqa: F401  (registry)
        from compute.objects.aggregate import AggregateList
        from compute.objects.compute_node import ComputeNodeList

        nodes = list(ComputeNodeList.get_all(ctxt))
        services = {s.host: s for s in ServiceList.get_by_binary(ctxt, COMPUTE_BINARY)}
        aggregates = list(AggregateList.get_all(ctxt))
        instances: dict[str, dict[str, Any]] = {}
        if with_instances:
            from compute.objects.instance import InstanceList

            for host in {read(node, "host") for node in nodes}:
                found = InstanceList.get_by_host(ctxt, host)
                instances[host] = {inst.uuid: inst for inst in found}
        return {
            "nodes": nodes,
            "services": services,
            "aggregates": aggregates,
            "instances": instances,
        }

    def refresh(
        self,
        nodes: Iterable[Any],
        services: dict[str, Any],
        aggregates: Iterable[Any],
        instances: dict[str, dict[str, Any]] | None = None,
    ) -> list[HostState]:
        """Update the map from what was read; return the states of hosts with a service.

        A node without a ``nova-compute`` service record (deleted, or not yet
        registered) is not schedulable and is dropped, as in Nova.
        """
        by_host: dict[str, list[Any]] = {}
        for aggregate in aggregates:
            for host in read(aggregate, "hosts", []):
                by_host.setdefault(host, []).append(aggregate)
        seen = set()
        result = []
        for node in nodes:
            host = read(node, "host")
            nodename = read(node, "hypervisor_hostname")
            service = services.get(host)
            if service is None:
                LOG.debug("No compute service record found for host %s", host)
                continue
            key = (host, nodename)
            seen.add(key)
            state = self._states.get(key)
            if state is None:
                state = self._states[key] = HostState(host, nodename)
            reported = state.update_from_compute_node(node)
            state.update_service(service)
            state.aggregates = by_host.get(host, [])
            if instances is not None and host in instances:
                # Instances we placed since the node last reported may not show on
                # the host yet; keep them until the node's next report.
                placed = {} if reported else {u: i for u, i in state.instances.items() if i is None}
                state.instances = {**placed, **instances[host]}
            state.limits = {}
            result.append(state)
        for key in set(self._states) - seen:
            del self._states[key]
        return result
