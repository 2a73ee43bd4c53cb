"""The virt driver interface: what nova-compute asks of a hypervisor.

The compute manager owns the instance's states and the database (through conductor); a
driver only acts on guests and answers about them. Method names and arguments are Nova's,
so a reader can follow an action from the API through ``rpcapi.py`` and the manager to
the same name here. Every method a driver does not implement raises
``NotImplementedError``; the manager treats that as "not supported by this hypervisor".

Instances are ``compute.objects.Instance`` objects; a driver reads ``uuid``, ``name`` or
``display_name``, ``vcpus``, ``memory_mb``, ``root_gb``, ``ephemeral_gb``, ``flavor``,
``image_ref``, ``host``, ``node`` and ``power_state`` from them and never saves them.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from typing import Any

from compute import exception
from compute.virt.hardware import InstanceInfo

LOG = logging.getLogger(__name__)

# Where ``compute_driver = fake.FakeDriver`` is looked up, like Nova's ``nova.virt``.
DRIVER_NAMESPACE = "compute.virt"


class ComputeDriver:
    """Base class of virt drivers. See the module docstring."""

    # What the compute manager and API may rely on. Names are Nova's, except
    # ``supports_snapshot`` (createImage), which Nova expresses by NotImplementedError.
    capabilities: dict[str, bool] = {
        "has_imagecache": False,
        "supports_evacuate": False,
        "supports_migrate_to_same_host": False,
        "supports_attach_interface": False,
        "supports_device_tagging": False,
        "supports_multiattach": False,
        "supports_snapshot": False,
    }

    def __init__(self, virtapi: Any = None, read_only: bool = False) -> None:
        # virtapi lets a driver call back into the manager (events); optional here.
        self.virtapi = virtapi
        self.read_only = read_only

    # --- host ---------------------------------------------------------------------------

    def init_host(self, host: str) -> None:
        """Prepare the hypervisor for the compute service of ``host`` (called once, first)."""
        raise NotImplementedError()

    def cleanup_host(self, host: str) -> None:
        """Release what ``init_host`` took, when the compute service stops."""

    def get_available_nodes(self, refresh: bool = False) -> list[str]:
        """Names of the nodes (hypervisor_hostname) this driver manages."""
        raise NotImplementedError()

    def node_is_available(self, nodename: str) -> bool:
        return nodename in self.get_available_nodes()

    def get_node_uuid(self, nodename: str) -> str:
        """The node's stable uuid: the same after a restart of the service."""
        raise NotImplementedError()

    def get_nodenames_by_uuid(self, refresh: bool = False) -> dict[str, str]:
        """``{node uuid: node name}`` of every node this driver manages."""
        return {self.get_node_uuid(name): name for name in self.get_available_nodes(refresh)}

    def get_available_resource(self, nodename: str) -> dict[str, Any]:
        """The node's resources, as the resource tracker writes them into compute_nodes.

        Keys: vcpus, memory_mb, local_gb, vcpus_used, memory_mb_used, local_gb_used,
        hypervisor_type, hypervisor_version (int), hypervisor_hostname, cpu_info (JSON
        string), disk_available_least (GB), supported_instances (list of
        [arch, hv_type, vm_mode]).
        """
        raise NotImplementedError()

    def get_host_ip_addr(self) -> str | None:
        return None

    # --- guests -------------------------------------------------------------------------

    def list_instances(self) -> list[str]:
        """Names of the guests on this host."""
        raise NotImplementedError()

    def list_instance_uuids(self) -> list[str]:
        """Instance uuids of the guests on this host."""
        raise NotImplementedError()

    def instance_exists(self, instance: Any) -> bool:
        try:
            return instance.uuid in self.list_instance_uuids()
        except NotImplementedError:
            return instance.name in self.list_instances()

    def get_num_instances(self) -> int:
        return len(self.list_instance_uuids())

    def get_info(self, instance: Any, use_cache: bool = True) -> InstanceInfo:
        """The guest's power state; raises ``InstanceNotFound`` when it has no guest."""
        raise NotImplementedError()

    # --- lifecycle ----------------------------------------------------------------------

    def spawn(
        self,
        context: Any,
        instance: Any,
        image_meta: Any,
        injected_files: list[tuple[str, bytes]],
        admin_password: str | None,
        network_info: Any = None,
        block_device_info: dict | None = None,
        power_on: bool = True,
        *,
        allocations: dict | None = None,
        accel_info: list | None = None,
    ) -> None:
        """Create and (normally) start the guest. On failure nothing is left behind.

        (Nova passes ``allocations`` sixth; here it is keyword-only so ``network_info``
        can be passed by position as the interface was agreed.)
        """
        raise NotImplementedError()

    def destroy(
        self,
        context: Any,
        instance: Any,
        network_info: Any = None,
        block_device_info: dict | None = None,
        destroy_disks: bool = True,
        destroy_secrets: bool = True,
    ) -> None:
        """Remove the guest. Idempotent: a guest that is already gone is not an error,
        because deleting a server must always be able to finish."""
        raise NotImplementedError()

    def cleanup(
        self,
        context: Any,
        instance: Any,
        network_info: Any = None,
        block_device_info: dict | None = None,
        destroy_disks: bool = True,
        migrate_data: Any = None,
        destroy_vifs: bool = True,
        destroy_secrets: bool = True,
    ) -> None:
        """Remove what a guest left on the host after ``destroy`` (disks, network)."""

    def reboot(
        self,
        context: Any,
        instance: Any,
        network_info: Any,
        reboot_type: str,
        block_device_info: dict | None = None,
        bad_volumes_callback: Callable | None = None,
        accel_info: list | None = None,
    ) -> None:
        """Reboot: ``reboot_type`` is ``'SOFT'`` (ask the guest) or ``'HARD'`` (reset).
        A hard reboot also starts a guest that was off, paused or suspended."""
        raise NotImplementedError()

    def power_off(self, instance: Any, timeout: int = 0, retry_interval: int = 0) -> None:
        """Power the guest off: cleanly within ``timeout`` seconds when > 0, else at once."""
        raise NotImplementedError()

    def power_on(
        self,
        context: Any,
        instance: Any,
        network_info: Any,
        block_device_info: dict | None = None,
        accel_info: list | None = None,
    ) -> None:
        raise NotImplementedError()

    def pause(self, instance: Any) -> None:
        raise NotImplementedError()

    def unpause(self, instance: Any) -> None:
        raise NotImplementedError()

    def suspend(self, context: Any, instance: Any) -> None:
        raise NotImplementedError()

    def resume(
        self,
        context: Any,
        instance: Any,
        network_info: Any,
        block_device_info: dict | None = None,
    ) -> None:
        raise NotImplementedError()

    def resume_state_on_host_boot(
        self,
        context: Any,
        instance: Any,
        network_info: Any,
        block_device_info: dict | None = None,
    ) -> None:
        """Start a guest that was running before the host rebooted."""
        raise NotImplementedError()

    def rebuild(self, context: Any, instance: Any, image_meta: Any, **kwargs: Any) -> None:
        """Rebuild the guest in place. Optional: when it raises NotImplementedError the
        manager rebuilds by ``destroy`` followed by ``spawn``."""
        raise NotImplementedError()

    def snapshot(
        self,
        context: Any,
        instance: Any,
        image_id: str,
        update_task_state: Callable[..., None],
    ) -> None:
        """Capture the guest's root disk into image ``image_id``.

        Calls ``update_task_state(task_state=IMAGE_PENDING_UPLOAD)`` and then
        ``update_task_state(task_state=IMAGE_UPLOADING,
        expected_state=IMAGE_PENDING_UPLOAD)`` as the work progresses. Only drivers with
        ``capabilities['supports_snapshot']`` implement it.
        """
        raise NotImplementedError()

    def get_console_output(self, context: Any, instance: Any) -> str:
        """The guest's serial console log."""
        raise NotImplementedError()

    # --- resize (cold migration) ----------------------------------------------------------

    def migrate_disk_and_power_off(
        self,
        context: Any,
        instance: Any,
        dest: str,
        flavor: Any,
        network_info: Any,
        block_device_info: dict | None = None,
        timeout: int = 0,
        retry_interval: int = 0,
    ) -> str:
        """Source host: power the guest off and ship its disks to ``dest``.

        Returns the disk information (a JSON string) ``finish_migration`` receives.
        """
        raise NotImplementedError()

    def finish_migration(
        self,
        context: Any,
        migration: Any,
        instance: Any,
        disk_info: str,
        network_info: Any,
        image_meta: Any,
        resize_instance: bool,
        allocations: dict | None = None,
        block_device_info: dict | None = None,
        power_on: bool = True,
    ) -> None:
        """Destination host: create the guest with the instance's new flavor."""
        raise NotImplementedError()

    def confirm_migration(
        self, context: Any, migration: Any, instance: Any, network_info: Any
    ) -> None:
        """Source host: the resize is confirmed; drop what was kept for a revert."""
        raise NotImplementedError()

    def finish_revert_migration(
        self,
        context: Any,
        instance: Any,
        network_info: Any,
        migration: Any,
        block_device_info: dict | None = None,
        power_on: bool = True,
    ) -> None:
        """Source host: bring the pre-resize guest back (the destination destroyed its
        copy first)."""
        raise NotImplementedError()


def load_compute_driver(compute_driver: str | None = None, virtapi: Any = None) -> ComputeDriver:
    """Load the driver named like Nova's ``compute_driver`` option.

    ``fake.FakeDriver`` and ``libvirt.LibvirtDriver`` are looked up in ``compute.virt``; a
    fully qualified ``package.module.Class`` is accepted too. Without a name the
    ``compute_driver`` option is read. Anything that cannot be loaded raises
    ``VirtDriverNotFound`` saying why, so nova-compute stops with a clear message.
    """
    if compute_driver is None:
        from compute.conf import CONF  # registers compute_driver

        compute_driver = CONF.compute_driver
    if not compute_driver:
        raise exception.VirtDriverNotFound(
            "Compute driver option required, but not specified: set compute_driver, e.g. "
            "fake.FakeDriver or libvirt.LibvirtDriver",
            driver=compute_driver,
        )
    LOG.info("Loading compute driver '%s'", compute_driver)
    cls = _import_driver_class(compute_driver)
    if not (isinstance(cls, type) and issubclass(cls, ComputeDriver)):
        raise exception.VirtDriverNotFound(
            f"Could not load virt driver {compute_driver}: it is not a ComputeDriver",
            driver=compute_driver,
        )
    try:
        return cls(virtapi)
    except exception.NovellaException:
        raise
    except Exception as exc:
        LOG.exception("Compute driver %s failed to initialise", compute_driver)
        raise exception.VirtDriverNotFound(
            f"Could not load virt driver {compute_driver}: {exc}", driver=compute_driver
        ) from exc


def _import_driver_class(name: str) -> Any:
    module_name, _, class_name = name.rpartition(".")
    if not module_name or not class_name:
        raise exception.VirtDriverNotFound(
            f"Could not load virt driver {name}: expected module.Class, e.g. fake.FakeDriver",
            driver=name,
        )
    # An old nova.conf may spell the driver nova.virt.libvirt.LibvirtDriver.
    module_name = module_name.removeprefix("nova.virt.")
    candidates = [f"{DRIVER_NAMESPACE}.{module_name}"]
    if "." in module_name:
        candidates.append(module_name)  # a fully qualified module outside compute.virt
    reasons = []
    for candidate in candidates:
        try:
            module = importlib.import_module(candidate)
        except ModuleNotFoundError as exc:
            # Only "this module does not exist" means try the next candidate; a missing
            # dependency *inside* an existing driver is the real reason and is reported.
            if exc.name and (candidate == exc.name or candidate.startswith(exc.name + ".")):
                reasons.append(f"no module {candidate}")
                continue
            raise exception.VirtDriverNotFound(
                f"Could not load virt driver {name}: {exc}", driver=name
            ) from exc
        except ImportError as exc:
            raise exception.VirtDriverNotFound(
                f"Could not load virt driver {name}: {exc}", driver=name
            ) from exc
        try:
            return getattr(module, class_name)
        except AttributeError:
            raise exception.VirtDriverNotFound(
                f"Could not load virt driver {name}: {candidate} has no {class_name}",
                driver=name,
            ) from None
    raise exception.VirtDriverNotFound(
        f"Could not load virt driver {name}: {'; '.join(reasons)}", driver=name
    )
