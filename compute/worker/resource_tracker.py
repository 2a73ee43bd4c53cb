"""What a compute host has and what its instances use, kept in ``compute_nodes``.

The driver says what the node has; the instances assigned to the node (and the builds
and resizes in flight, as claims) say what is used. The tracker recomputes the usage
periodically from the instances, not by adding and subtracting deltas forever, so a
crash or a lost message cannot make the numbers drift; claims made between two audits
are added on top and dropped once the instance is counted from the database.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections.abc import Iterator
from typing import Any

from common.config import CONF
from compute import exception
from compute.states import TaskState, VmState

LOG = logging.getLogger(__name__)

# Instances that no longer hold resources on their host.
_FREED_VM_STATES = {VmState.DELETED, VmState.SHELVED_OFFLOADED}


def _flavor_usage(flavor: Any) -> dict[str, int]:
    return {
        "vcpus": int(flavor.vcpus),
        "memory_mb": int(flavor.memory_mb),
        "local_gb": int(flavor.root_gb) + int(flavor.ephemeral_gb),
    }


class ResourceTracker:
    def __init__(self, host: str, driver: Any) -> None:
        self.host = host
        self.driver = driver
        self._lock = threading.RLock()
        self._claims: dict[tuple[str, str], dict[str, int]] = {}  # (node, uuid) -> usage
        # Claims of builds (not resizes): each is one more guest in running_vms.
        self._build_claims: set[tuple[str, str]] = set()
        self.compute_nodes: dict[str, Any] = {}

    # -- claims ----------------------------------------------------------------------
    @contextlib.contextmanager
    def instance_claim(
        self,
        ctxt: Any,
        instance: Any,
        nodename: str,
        limits: dict[str, float] | None = None,
        flavor: Any = None,
    ) -> Iterator[None]:
        """Reserve the flavor's resources on ``nodename`` for the work in the block.

        Refused with ``ComputeResourcesUnavailable`` when the node (with its allocation
        ratios, or the scheduler's ``limits``) cannot fit it: the build is then
        rescheduled elsewhere. The claim stays after the block on success, until the
        next audit counts the instance itself; it is dropped on failure. A claim costs
        one save of the node, not a recount of the host's instances.
        """
        usage = _flavor_usage(flavor or instance.flavor)
        key = (nodename, instance.uuid)
        with self._lock:
            node = self._node(ctxt, nodename)
            self._check_fits(node, usage, limits or {})
            self._claims[key] = usage
            if flavor is None:
                self._build_claims.add(key)
            self._add_usage(node, usage, +1, vms=int(flavor is None))
        try:
            yield
        except BaseException:
            self.abort_claim(ctxt, instance.uuid, nodename)
            raise

    def abort_claim(self, ctxt: Any, instance_uuid: str, nodename: str) -> None:
        with self._lock:
            usage = self._claims.pop((nodename, instance_uuid), None)
            vms = int((nodename, instance_uuid) in self._build_claims)
            self._build_claims.discard((nodename, instance_uuid))
            node = self.compute_nodes.get(nodename)
            if usage is not None and node is not None:
                self._add_usage(node, usage, -1, vms=vms)

    @staticmethod
    def _add_usage(node: Any, usage: dict[str, int], sign: int, vms: int = 0) -> None:
        """A claim between two audits: adjust the node's figures and save them, without
        recounting every instance of the host (that is the audit's job)."""
        node.running_vms = max(0, (node.running_vms or 0) + sign * vms)
        node.vcpus_used = node.vcpus_used + sign * usage["vcpus"]
        node.memory_mb_used = node.memory_mb_used + sign * usage["memory_mb"]
        node.local_gb_used = node.local_gb_used + sign * usage["local_gb"]
        node.free_ram_mb = node.memory_mb - node.memory_mb_used
        node.free_disk_gb = node.local_gb - node.local_gb_used
        node.save()

    def _check_fits(self, node: Any, usage: dict[str, int], limits: dict[str, float]) -> None:
        totals = {
            "vcpus": limits.get("vcpu", node.vcpus * node.cpu_allocation_ratio),
            "memory_mb": limits.get("memory_mb", node.memory_mb * node.ram_allocation_ratio),
            "local_gb": limits.get("disk_gb", node.local_gb * node.disk_allocation_ratio),
        }
        used = {
            "vcpus": node.vcpus_used,
            "memory_mb": node.memory_mb_used,
            "local_gb": node.local_gb_used,
        }
        for resource, total in totals.items():
            if used[resource] + usage[resource] > total:
                raise exception.ComputeResourcesUnavailable(
                    reason=f"Free {resource} {total - used[resource]:.0f} < requested "
                    f"{usage[resource]}"
                )

    # -- the audit -------------------------------------------------------------------
    def update_available_resource(self, ctxt: Any) -> None:
        """Periodic audit: refresh every node of the driver from the driver and the DB."""
        for nodename in self.driver.get_available_nodes(refresh=True):
            try:
                with self._lock:
                    self._node(ctxt, nodename, refresh=True)
                    self._apply_usage(ctxt, nodename)
            except Exception:
                LOG.exception("resource audit of node %s failed", nodename)

    def _node(self, ctxt: Any, nodename: str, refresh: bool = False) -> Any:
        """The ComputeNode of ``nodename``, created on first sight (stable uuid)."""
        from compute import objects

        node = self.compute_nodes.get(nodename)
        if node is not None and not refresh:
            return node
        resources = self.driver.get_available_resource(nodename)
        if node is None:
            try:
                node = objects.ComputeNode.get_by_host_and_nodename(ctxt, self.host, nodename)
            except exception.ComputeHostNotFound:
                node = None
            except exception.ComputeNodeNotFound:
                node = None
        if node is None:
            service = objects.Service.get_by_host_and_binary(ctxt, self.host, "nova-compute")
            node = objects.ComputeNode(ctxt)
            node.uuid = self.driver.get_node_uuid(nodename)
            node.host = self.host
            node.service_id = service.id
            self._copy_resources(node, resources)
            node.create()
            LOG.info("compute node %s (%s) registered", nodename, node.uuid)
        else:
            self._copy_resources(node, resources)
        self.compute_nodes[nodename] = node
        return node

    @staticmethod
    def _copy_resources(node: Any, resources: dict[str, Any]) -> None:
        node.hypervisor_hostname = resources["hypervisor_hostname"]
        for field in (
            "vcpus",
            "memory_mb",
            "local_gb",
            "hypervisor_type",
            "hypervisor_version",
            "disk_available_least",
        ):
            if field in resources:
                setattr(node, field, resources[field])
        cpu_info = resources.get("cpu_info", "")
        node.cpu_info = cpu_info if isinstance(cpu_info, str) else json.dumps(cpu_info)
        node.host_ip = resources.get("host_ip")
        # A configured ratio wins; otherwise a node keeps the one it has, and a new node
        # starts from the initial_* value (Nova's rule).
        for kind in ("cpu", "ram", "disk"):
            field = f"{kind}_allocation_ratio"
            configured = CONF[field]
            if configured:
                setattr(node, field, configured)
            elif not node.obj_attr_is_set(field) or not getattr(node, field):
                setattr(node, field, CONF[f"initial_{field}"])

    def _apply_usage(self, ctxt: Any, nodename: str) -> None:
        """used = instances counted from the DB + claims not yet in the DB; then save."""
        from compute import objects

        node = self.compute_nodes[nodename]
        instances = objects.InstanceList.get_by_host_and_node(ctxt, self.host, nodename)
        used = {"vcpus": 0, "memory_mb": 0, "local_gb": 0}
        counted = set()
        running = 0
        workload = 0
        for inst in instances:
            if inst.vm_state in _FREED_VM_STATES:
                continue
            counted.add(inst.uuid)
            running += 1
            if inst.task_state is not None:
                workload += 1
            for key, value in _flavor_usage(inst.flavor).items():
                used[key] += value
            # The source of an unconfirmed resize keeps the old flavor's room for a revert.
            if inst.vm_state == VmState.RESIZED and inst.old_flavor is not None:
                for key, value in _flavor_usage(inst.old_flavor).items():
                    used[key] += value
        for (claim_node, uuid), usage in list(self._claims.items()):
            if claim_node != nodename:
                continue
            if uuid in counted and not self._is_resize_claim(instances, uuid):
                del self._claims[(claim_node, uuid)]
                self._build_claims.discard((claim_node, uuid))
                continue
            for key, value in usage.items():
                used[key] += value
        node.vcpus_used = used["vcpus"]
        node.memory_mb_used = used["memory_mb"] + CONF.reserved_host_memory_mb
        node.local_gb_used = used["local_gb"] + CONF.reserved_host_disk_mb // 1024
        node.free_ram_mb = node.memory_mb - node.memory_mb_used
        node.free_disk_gb = node.local_gb - node.local_gb_used
        node.running_vms = running
        node.current_workload = workload
        node.save()

    @staticmethod
    def _is_resize_claim(instances: Any, uuid: str) -> bool:
        for inst in instances:
            if inst.uuid == uuid:
                return inst.task_state in (
                    TaskState.RESIZE_PREP,
                    TaskState.RESIZE_MIGRATING,
                    TaskState.RESIZE_MIGRATED,
                    TaskState.RESIZE_FINISH,
                )
        return False
