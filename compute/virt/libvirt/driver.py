"""``compute_driver = libvirt.LibvirtDriver``: real guests under QEMU through libvirt.

Each instance is a persistent libvirt domain named ``instance.name`` whose uuid is the
instance uuid, defined from ``config.guest_config`` (XML only) over the files
``imagebackend`` prepared under ``instances_path``. Power actions map onto libvirt's:

* reboot SOFT: the ACPI power button, a wait of ``[libvirt] wait_soft_reboot_seconds``
  for the guest to shut down, then a fresh start; a guest that ignores the button is
  hard rebooted. HARD: pull the plug and start again.
* power_off: the power button with a timeout (when the caller gives one), then the plug.
* pause / unpause: virDomainSuspend / virDomainResume (the guest stays in memory).
* suspend / resume: managed save (memory to disk, QEMU exits) / start (restores it).

Resize keeps the old files in ``<uuid>_resize`` until ``confirm_migration`` (or a
revert puts them back); the destination reads them from there, so a resize works on the
same host, or between hosts that share ``instances_path``.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import libvirt

from common.config import CONF
from common.exception import Invalid
from compute import conf as _conf  # noqa: F401  (registers [libvirt], [vnc], instances_path)
from compute import exception
from compute.states import PowerState, TaskState, VmState
from compute.virt import driver, node
from compute.virt.hardware import InstanceInfo
from compute.virt.libvirt import config as vconfig
from compute.virt.libvirt import imagebackend
from compute.virt.libvirt.guest import Guest
from compute.virt.libvirt.host import Host

LOG = logging.getLogger(__name__)

MAX_CONSOLE_BYTES = 100 * 1024  # what os-getConsoleOutput returns at most (Nova's cap)
_BOOT_META = "image_meta.json"  # the boot image's id and properties, per instance
_START_TIMEOUT = 30.0


class ConsoleTypeUnavailable(Invalid):
    """The guest has no console of the type asked for (e.g. VNC disabled)."""

    msg_fmt = "Unavailable console type %(console_type)s."


def connection_uri() -> str:
    """``[libvirt] connection_uri``, or the URI ``virt_type`` implies."""
    return CONF.libvirt.connection_uri or "qemu:///system"


def _vifs(network_info: Any) -> list[vconfig.Interface]:
    """NICs from Nova-shaped VIFs: ``{"address": MAC, "network": {"bridge": BR}}``."""
    interfaces = []
    for vif in network_info or []:
        network = vif.get("network") or {}
        bridge = network.get("bridge") or vif.get("bridge")
        if bridge:
            interfaces.append(vconfig.Interface(bridge=bridge, mac=vif.get("address")))
    return interfaces


class LibvirtDriver(driver.ComputeDriver):
    """See the module docstring."""

    capabilities = {
        **driver.ComputeDriver.capabilities,
        "supports_migrate_to_same_host": True,
        "supports_snapshot": True,
    }

    def __init__(self, virtapi: Any = None, read_only: bool = False) -> None:
        super().__init__(virtapi, read_only)
        self._host = Host(connection_uri(), CONF.libvirt.call_timeout, CONF.host)
        self._nodename: str | None = None

    # --- helpers --------------------------------------------------------------------------

    @property
    def host(self) -> Host:
        return self._host

    @staticmethod
    def instances_path() -> Path:
        return Path(CONF.instances_path)

    def _paths(self, instance: Any) -> imagebackend.InstancePaths:
        return imagebackend.InstancePaths(self.instances_path(), instance.uuid)

    def _guest(self, instance: Any) -> Guest:
        return Guest(self._host, instance.uuid)

    @staticmethod
    def _images() -> Any:
        from compute.image import api as image_api

        return image_api.get_image_service()

    # --- host -----------------------------------------------------------------------------

    def init_host(self, host: str) -> None:
        """Connect, and leave every existing guest as it is: the manager reconciles the
        instances with what ``get_info`` says, and running guests keep running."""
        imagebackend._mkdir(self.instances_path())
        guests = self._host.list_guests()
        LOG.info(
            "libvirt driver on %s: %s (%s guests), virt_type %s, instances in %s",
            host,
            self._host.uri,
            len(guests),
            CONF.libvirt.virt_type,
            self.instances_path(),
        )

    def cleanup_host(self, host: str) -> None:
        self._host.close()

    def get_available_nodes(self, refresh: bool = False) -> list[str]:
        if self._nodename is None or refresh:
            self._nodename = self._host.get_hostname()
        return [self._nodename]

    def get_node_uuid(self, nodename: str) -> str:
        if nodename not in self.get_available_nodes():
            raise exception.ComputeNodeNotFound(node=nodename)
        return node.get_or_create_node_uuid(CONF.state_path)

    def get_available_resource(self, nodename: str) -> dict[str, Any]:
        arch, memory_mb, vcpus = self._host.get_node_info()
        disk = self._host.get_local_gb_info(str(self.instances_path()))
        vcpus_used = 0
        for instance_uuid, _name in self._host.list_guests():
            try:
                info = Guest(self._host, instance_uuid).get_info()
            except exception.InstanceNotFound:
                continue
            if info.state not in (PowerState.SHUTDOWN, PowerState.NOSTATE):
                vcpus_used += info.vcpus
        cpu_info = self._host.get_cpu_info()
        cpu_info.setdefault("topology", {"sockets": 1, "cores": vcpus, "threads": 1})
        virt_type = CONF.libvirt.virt_type
        return {
            "vcpus": vcpus,
            "memory_mb": memory_mb,
            "local_gb": disk["total"],
            "vcpus_used": vcpus_used,
            "memory_mb_used": self._host.get_memory_mb_used(),
            "local_gb_used": disk["used"],
            "hypervisor_type": self._host.get_type(),
            "hypervisor_version": self._host.get_version(),
            "hypervisor_hostname": nodename,
            "cpu_info": json.dumps(cpu_info),
            "disk_available_least": disk["free"],
            "supported_instances": [[cpu_info.get("arch") or arch, virt_type, "hvm"]],
        }

    # --- guests ---------------------------------------------------------------------------

    def list_instances(self) -> list[str]:
        return [name for _uuid, name in self._host.list_guests()]

    def list_instance_uuids(self) -> list[str]:
        return [instance_uuid for instance_uuid, _name in self._host.list_guests()]

    def instance_exists(self, instance: Any) -> bool:
        return self._guest(instance).exists()

    def get_info(self, instance: Any, use_cache: bool = True) -> InstanceInfo:
        return self._guest(instance).get_info()

    def get_console_output(self, context: Any, instance: Any) -> str:
        """The tail (100 KiB at most) of the serial console's log file."""
        if not self.instance_exists(instance):
            raise exception.InstanceNotFound(instance_id=instance.uuid)
        path = self._paths(instance).console_log
        try:
            with open(path, "rb") as log:
                size = log.seek(0, os.SEEK_END)
                log.seek(max(0, size - MAX_CONSOLE_BYTES))
                data = log.read()
        except FileNotFoundError:
            return ""
        return data.decode("utf-8", errors="replace")

    def get_vnc_console(self, context: Any, instance: Any) -> dict[str, Any]:
        """Where a console proxy reaches the guest's VNC server: ``{"host", "port",
        "internal_access_path"}`` (Nova's ConsoleVNC as a JSON-safe dict)."""
        address = self._guest(instance).vnc_address()
        if address is None:
            raise ConsoleTypeUnavailable(console_type="novnc")
        host = address.host
        if host in ("0.0.0.0", "::", ""):
            host = CONF.vnc.server_proxyclient_address
        return {"host": host, "port": address.port, "internal_access_path": None}

    # --- spawn and destroy ----------------------------------------------------------------

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
        if self.instance_exists(instance):
            raise exception.InstanceExists(name=instance.name)
        paths = self._paths(instance)
        image_meta = dict(image_meta or {})
        try:
            paths.make()
            self._create_disks(context, instance, image_meta, paths)
            self._define(instance, image_meta, paths, network_info)
            if power_on:
                self._start(instance)
        except BaseException as exc:
            LOG.warning("Spawning %s failed, removing what it created: %s", instance.uuid, exc)
            self._remove_guest(instance)
            paths.remove()
            if isinstance(exc, libvirt.libvirtError | OSError):
                raise exception.InstanceDeployFailure(reason=str(exc)) from exc
            raise
        LOG.info("Spawned %s as %s", instance.uuid, instance.name)

    def _create_disks(
        self, context: Any, instance: Any, image_meta: dict[str, Any], paths: Any
    ) -> None:
        """Root disk from the image, ephemeral disk, kernel and ramdisk of the instance."""
        images = self._images()
        image_id = image_meta.get("id") or instance.image_ref
        if not image_id:
            raise exception.InstanceDeployFailure(
                reason="the libvirt driver boots from an image only (no image given)"
            )
        images_type = CONF.libvirt.images_type
        cache = imagebackend.ImageCache(self.instances_path())
        base = cache.fetch(context, image_id, images)
        imagebackend.create_root_disk(
            base, paths.disk, images_type, int(getattr(instance, "root_gb", 0) or 0)
        )
        ephemeral_gb = int(getattr(instance, "ephemeral_gb", 0) or 0)
        if ephemeral_gb:
            imagebackend.create_blank_disk(paths.ephemeral, images_type, ephemeral_gb)
        props = vconfig.image_properties(image_meta)
        kernel_id = props.get("kernel_id") or getattr(instance, "kernel_id", None)
        ramdisk_id = props.get("ramdisk_id") or getattr(instance, "ramdisk_id", None)
        for wanted, target in ((kernel_id, paths.kernel), (ramdisk_id, paths.ramdisk)):
            if wanted:
                imagebackend.copy_file(cache.fetch(context, wanted, images), target)
        boot = {"id": image_id, "properties": {**props}}
        if kernel_id:
            boot["properties"]["kernel_id"] = kernel_id
        if ramdisk_id:
            boot["properties"]["ramdisk_id"] = ramdisk_id
        (paths.dir / _BOOT_META).write_text(json.dumps(boot))

    @staticmethod
    def _boot_meta(paths: Any, image_meta: Any = None) -> dict[str, Any]:
        """The boot image's id and properties the instance was built with."""
        try:
            return json.loads((paths.dir / _BOOT_META).read_text())
        except (OSError, ValueError):
            return dict(image_meta or {})

    def _domain_xml(self, instance: Any, image_meta: Any, paths: Any, network_info: Any) -> str:
        disks = [
            vconfig.Disk(str(path), imagebackend.image_info(path)["format"], dev)
            for path, dev in ((paths.disk, "vda"), (paths.ephemeral, "vdb"))
            if path.exists()
        ]
        kernel = str(paths.kernel) if paths.kernel.exists() else None
        ramdisk = str(paths.ramdisk) if paths.ramdisk.exists() else None
        guest_config = vconfig.guest_config(
            instance,
            image_meta,
            disks,
            virt_type=CONF.libvirt.virt_type,
            cpu_mode=CONF.libvirt.cpu_mode,
            kernel=kernel,
            ramdisk=ramdisk,
            console_log=str(paths.console_log),
            vnc_listen=CONF.vnc.server_listen if CONF.vnc.enabled else None,
            vnc_keymap=CONF.vnc.keymap,
            interfaces=_vifs(network_info),
        )
        return vconfig.to_xml(guest_config)

    def _define(self, instance: Any, image_meta: Any, paths: Any, network_info: Any) -> None:
        xml = self._domain_xml(instance, self._boot_meta(paths, image_meta), paths, network_info)
        self._define_xml(paths, xml)

    def _define_xml(self, paths: Any, xml: str) -> None:
        paths.libvirt_xml.write_text(xml)
        paths.libvirt_xml.chmod(0o644)
        self._host.call(lambda conn: conn.defineXML(xml))

    def _start(self, instance: Any) -> None:
        """Start the defined domain and make sure it runs (a restored paused guest is
        resumed)."""
        guest = self._guest(instance)
        guest.launch()
        if guest.get_state() == libvirt.VIR_DOMAIN_PAUSED:
            guest.resume()
        if not guest.wait_for_state({libvirt.VIR_DOMAIN_RUNNING}, _START_TIMEOUT):
            raise exception.InstancePowerOnFailure(
                reason=f"{instance.name} did not reach the running state"
            )

    def _remove_guest(self, instance: Any) -> None:
        """Stop and undefine the domain; nothing there is fine."""
        guest = self._guest(instance)
        try:
            guest.poweroff()
            guest.undefine()
        except exception.InstanceNotFound:
            pass

    def destroy(
        self,
        context: Any,
        instance: Any,
        network_info: Any = None,
        block_device_info: dict | None = None,
        destroy_disks: bool = True,
        destroy_secrets: bool = True,
    ) -> None:
        self._remove_guest(instance)
        if destroy_disks:
            self._paths(instance).remove()
        LOG.info("Destroyed the guest of %s", instance.uuid)

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
        if destroy_disks:
            self._paths(instance).remove()

    def rebuild(self, context: Any, instance: Any, image_meta: Any, **kwargs: Any) -> None:
        """Same domain, new disks from ``image_meta``; the console log is kept."""
        paths = self._paths(instance)
        guest = self._guest(instance)
        guest.poweroff()
        guest.managed_save_remove()
        for path in (paths.disk, paths.ephemeral, paths.kernel, paths.ramdisk):
            path.unlink(missing_ok=True)
        (paths.dir / _BOOT_META).unlink(missing_ok=True)
        image_meta = dict(image_meta or {})
        paths.make()
        self._create_disks(context, instance, image_meta, paths)
        self._define(instance, image_meta, paths, kwargs.get("network_info"))
        if kwargs.get("power_on", True):
            self._start(instance)

    # --- power ----------------------------------------------------------------------------

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
        self._drop_stale_resize(instance)
        if reboot_type.upper() == "SOFT":
            if self._soft_reboot(instance):
                return
            LOG.warning("Soft reboot of %s did not work; rebooting it hard", instance.uuid)
        self._hard_reboot(instance)

    def _soft_reboot(self, instance: Any) -> bool:
        """ACPI shutdown, wait for the guest to go off, start it again."""
        guest = self._guest(instance)
        if guest.get_state() != libvirt.VIR_DOMAIN_RUNNING:
            return False
        try:
            guest.shutdown()
        except libvirt.libvirtError as exc:
            LOG.info("ACPI shutdown of %s refused: %s", instance.uuid, exc)
            return False
        off = {libvirt.VIR_DOMAIN_SHUTOFF, libvirt.VIR_DOMAIN_CRASHED}
        if not guest.wait_for_state(off, CONF.libvirt.wait_soft_reboot_seconds):
            return False
        self._start(instance)
        LOG.info("Soft rebooted %s", instance.uuid)
        return True

    def _hard_reboot(self, instance: Any) -> None:
        """Pull the plug and start afresh (a saved memory image is discarded)."""
        guest = self._guest(instance)
        guest.poweroff()
        guest.managed_save_remove()
        self._start(instance)
        LOG.info("Hard rebooted %s", instance.uuid)

    def power_off(self, instance: Any, timeout: int = 0, retry_interval: int = 0) -> None:
        """The ACPI power button for up to ``timeout`` seconds (pressed again every
        ``retry_interval``), then the plug. A suspended guest loses its saved memory."""
        self._drop_stale_resize(instance)
        guest = self._guest(instance)
        if timeout > 0 and self._clean_shutdown(guest, timeout, retry_interval):
            LOG.info("%s shut down cleanly", instance.uuid)
        else:
            guest.poweroff()
        guest.managed_save_remove()

    @staticmethod
    def _clean_shutdown(guest: Guest, timeout: int, retry_interval: int) -> bool:
        if guest.get_state() != libvirt.VIR_DOMAIN_RUNNING:
            return False
        retry_interval = retry_interval or CONF.compute.shutdown_retry_interval
        deadline = time.monotonic() + timeout
        off = {libvirt.VIR_DOMAIN_SHUTOFF, libvirt.VIR_DOMAIN_CRASHED}
        while time.monotonic() < deadline:
            try:
                guest.shutdown()
            except libvirt.libvirtError:
                return guest.get_state() in off
            wait = min(retry_interval, max(0.0, deadline - time.monotonic()))
            if guest.wait_for_state(off, wait):
                return True
        return False

    def power_on(
        self,
        context: Any,
        instance: Any,
        network_info: Any,
        block_device_info: dict | None = None,
        accel_info: list | None = None,
    ) -> None:
        self._drop_stale_resize(instance)
        guest = self._guest(instance)
        state = guest.get_state()
        if state == libvirt.VIR_DOMAIN_PAUSED:
            guest.resume()
        elif state not in (libvirt.VIR_DOMAIN_RUNNING, libvirt.VIR_DOMAIN_BLOCKED):
            self._start(instance)

    def pause(self, instance: Any) -> None:
        self._guest(instance).pause()

    def unpause(self, instance: Any) -> None:
        self._guest(instance).resume()

    def suspend(self, context: Any, instance: Any) -> None:
        self._drop_stale_resize(instance)
        try:
            self._guest(instance).managed_save()
        except libvirt.libvirtError as exc:
            raise exception.InstanceSuspendFailure(reason=str(exc)) from exc

    def resume(
        self,
        context: Any,
        instance: Any,
        network_info: Any,
        block_device_info: dict | None = None,
    ) -> None:
        try:
            self._start(instance)
        except libvirt.libvirtError as exc:
            raise exception.InstanceResumeFailure(reason=str(exc)) from exc

    def resume_state_on_host_boot(
        self,
        context: Any,
        instance: Any,
        network_info: Any,
        block_device_info: dict | None = None,
    ) -> None:
        """Start the guest if the host's reboot left it off; a running one is left be."""
        if not self._guest(instance).is_active():
            self._start(instance)

    # --- snapshot -------------------------------------------------------------------------

    def snapshot(
        self,
        context: Any,
        instance: Any,
        image_id: str,
        update_task_state: Callable[..., None],
    ) -> None:
        """Flatten the root disk into a standalone image and upload it as ``image_id``.

        A running guest is paused for the copy (QEMU flushes its writes when it pauses),
        so the image is consistent; it runs again as soon as the copy is made.
        """
        paths = self._paths(instance)
        guest = self._guest(instance)
        state = guest.get_state()
        update_task_state(task_state=TaskState.IMAGE_PENDING_UPLOAD)
        out_format = CONF.libvirt.snapshot_image_format or "qcow2"
        work = imagebackend._mkdir(self.instances_path() / "snapshots")
        fd, tmp_name = tempfile.mkstemp(prefix=f"{instance.uuid}.", dir=work)
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            paused = state == libvirt.VIR_DOMAIN_RUNNING
            if paused:
                guest.pause()
            try:
                imagebackend.snapshot_disk(paths.disk, tmp, out_format)
            finally:
                if paused:
                    guest.resume()
            update_task_state(
                task_state=TaskState.IMAGE_UPLOADING,
                expected_state=TaskState.IMAGE_PENDING_UPLOAD,
            )
            boot = self._boot_meta(paths)
            properties = {
                key: value
                for key, value in (boot.get("properties") or {}).items()
                if key in ("kernel_id", "ramdisk_id", "os_command_line") and value
            }
            meta = {"disk_format": out_format, "container_format": "bare", **properties}
            with open(tmp, "rb") as data:
                self._images().update(context, image_id, meta, data=data)
        finally:
            tmp.unlink(missing_ok=True)
        LOG.info("Snapshot of %s uploaded as image %s", instance.uuid, image_id)

    # --- resize ---------------------------------------------------------------------------

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
        """Power off and move the files aside to ``<uuid>_resize``; the destination
        builds the resized guest from them."""
        new_root = int(getattr(flavor, "root_gb", 0) or 0)
        if new_root and new_root < int(getattr(instance, "root_gb", 0) or 0):
            raise exception.CannotResizeDisk(reason="a root disk cannot shrink")
        paths = self._paths(instance)
        self.power_off(instance, timeout, retry_interval)
        shutil.rmtree(paths.resize_dir, ignore_errors=True)
        os.rename(paths.dir, paths.resize_dir)
        return json.dumps({"source_host": CONF.host, "resize_dir": str(paths.resize_dir)})

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
        """The guest with the instance's new flavor, on copies of the old disks grown to
        it (the old files stay for a revert)."""
        paths = self._paths(instance)
        info = json.loads(disk_info) if disk_info else {}
        source = Path(info.get("resize_dir") or paths.resize_dir)
        if not source.is_dir():
            raise exception.InstanceDeployFailure(
                reason=f"the disks of {instance.uuid} are not reachable here at {source} "
                "(a resize between hosts needs a shared instances_path)"
            )
        paths.make()
        try:
            imagebackend.copy_disk(source / "disk", paths.disk)
            imagebackend.resize(paths.disk, int(instance.root_gb or 0) * imagebackend.GIB)
            ephemeral_gb = int(getattr(instance, "ephemeral_gb", 0) or 0)
            if (source / "disk.eph0").exists():
                imagebackend.copy_disk(source / "disk.eph0", paths.ephemeral)
                imagebackend.resize(paths.ephemeral, ephemeral_gb * imagebackend.GIB)
            elif ephemeral_gb:
                imagebackend.create_blank_disk(
                    paths.ephemeral, CONF.libvirt.images_type, ephemeral_gb
                )
            for name in ("kernel", "ramdisk", _BOOT_META, "console.log"):
                if (source / name).exists():
                    imagebackend.copy_file(source / name, paths.dir / name)
            self._define(instance, image_meta, paths, network_info)
            if power_on:
                self._start(instance)
        except BaseException:
            shutil.rmtree(paths.dir, ignore_errors=True)
            raise

    def confirm_migration(
        self, context: Any, migration: Any, instance: Any, network_info: Any
    ) -> None:
        """Drop the pre-resize files; across hosts also the source's old domain."""
        migration = migration or {}
        source = migration.get("resize_source_host")
        dest = migration.get("resize_dest_host")
        if source and dest and source != dest:
            self._remove_guest(instance)
        shutil.rmtree(self._paths(instance).resize_dir, ignore_errors=True)

    def finish_revert_migration(
        self,
        context: Any,
        instance: Any,
        network_info: Any,
        migration: Any,
        block_device_info: dict | None = None,
        power_on: bool = True,
    ) -> None:
        """Put the pre-resize files back and redefine the pre-resize domain."""
        paths = self._paths(instance)
        if paths.resize_dir.is_dir():
            try:
                self._guest(instance).poweroff()  # the resized guest, on the same host
            except exception.InstanceNotFound:
                pass
            shutil.rmtree(paths.dir, ignore_errors=True)
            os.rename(paths.resize_dir, paths.dir)
        if paths.libvirt_xml.exists():
            self._define_xml(paths, paths.libvirt_xml.read_text())
        else:
            self._define(instance, None, paths, network_info)
        if power_on:
            self._start(instance)

    def _drop_stale_resize(self, instance: Any) -> None:
        """Remove ``<uuid>_resize`` of a resize that was confirmed without telling the
        driver (the manager skips confirm_migration on the same host)."""
        resize_dir = self._paths(instance).resize_dir
        vm_state = getattr(instance, "vm_state", None)
        if resize_dir.exists() and vm_state is not None and vm_state != VmState.RESIZED:
            LOG.info("Removing the leftovers of a confirmed resize of %s", instance.uuid)
            shutil.rmtree(resize_dir, ignore_errors=True)
