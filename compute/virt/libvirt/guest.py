"""One libvirt domain, by instance uuid, with the operations the driver needs.

A ``Guest`` holds the uuid, not a ``virDomain``: every operation looks the domain up on
the current connection, so a guest object stays usable after libvirtd restarted and
the connection was replaced. A domain that does not exist raises ``InstanceNotFound``.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import libvirt

from compute.states import PowerState
from compute.virt.hardware import InstanceInfo
from compute.virt.libvirt import config as vconfig
from compute.virt.libvirt.host import Host

LOG = logging.getLogger(__name__)

# virDomainState -> Nova's power state (Nova's table).
LIBVIRT_POWER_STATE: dict[int, PowerState] = {
    libvirt.VIR_DOMAIN_NOSTATE: PowerState.NOSTATE,
    libvirt.VIR_DOMAIN_RUNNING: PowerState.RUNNING,
    # "blocked" is a running guest waiting for I/O or sleeping.
    libvirt.VIR_DOMAIN_BLOCKED: PowerState.RUNNING,
    libvirt.VIR_DOMAIN_PAUSED: PowerState.PAUSED,
    # "shutdown" is a guest in the middle of shutting down.
    libvirt.VIR_DOMAIN_SHUTDOWN: PowerState.SHUTDOWN,
    libvirt.VIR_DOMAIN_SHUTOFF: PowerState.SHUTDOWN,
    libvirt.VIR_DOMAIN_CRASHED: PowerState.CRASHED,
    libvirt.VIR_DOMAIN_PMSUSPENDED: PowerState.SUSPENDED,
}

# virsh's words for the states, for messages.
STATE_NAMES = {
    libvirt.VIR_DOMAIN_NOSTATE: "no state",
    libvirt.VIR_DOMAIN_RUNNING: "running",
    libvirt.VIR_DOMAIN_BLOCKED: "idle",
    libvirt.VIR_DOMAIN_PAUSED: "paused",
    libvirt.VIR_DOMAIN_SHUTDOWN: "in shutdown",
    libvirt.VIR_DOMAIN_SHUTOFF: "shut off",
    libvirt.VIR_DOMAIN_CRASHED: "crashed",
    libvirt.VIR_DOMAIN_PMSUSPENDED: "pmsuspended",
}


class Guest:
    """The domain of one instance on ``host``."""

    def __init__(self, host: Host, instance_uuid: str) -> None:
        self.host = host
        self.uuid = instance_uuid

    def _call(self, func: Any, timeout: float | None = None) -> Any:
        return self.host.domain_call(self.uuid, func, timeout=timeout)

    # -- reading --------------------------------------------------------------------
    def exists(self) -> bool:
        from compute import exception

        try:
            self._call(lambda dom: dom.UUIDString())
        except exception.InstanceNotFound:
            return False
        return True

    def get_state(self) -> int:
        """The virDomainState."""
        return int(self._call(lambda dom: dom.state(0))[0])

    def get_power_state(self) -> PowerState:
        """The power state Nova would report. A shut-off domain with a managed-save image
        is a suspended guest (``suspend`` saved it), not a stopped one."""

        def read(dom: libvirt.virDomain) -> PowerState:
            state = int(dom.state(0)[0])
            if state == libvirt.VIR_DOMAIN_SHUTOFF and dom.hasManagedSaveImage(0):
                return PowerState.SUSPENDED
            return LIBVIRT_POWER_STATE.get(state, PowerState.NOSTATE)

        return self._call(read)

    def get_info(self) -> InstanceInfo:
        def read(dom: libvirt.virDomain) -> InstanceInfo:
            state, _max_mem, mem_kib, vcpus, cpu_time = dom.info()
            power = LIBVIRT_POWER_STATE.get(int(state), PowerState.NOSTATE)
            if state == libvirt.VIR_DOMAIN_SHUTOFF and dom.hasManagedSaveImage(0):
                power = PowerState.SUSPENDED
            return InstanceInfo(
                state=power,
                internal_id=dom.name(),
                memory_mb=int(mem_kib) // 1024,
                vcpus=int(vcpus),
                cpu_time_ns=int(cpu_time),
            )

        return self._call(read)

    def get_xml_desc(self, inactive: bool = False) -> str:
        flags = libvirt.VIR_DOMAIN_XML_INACTIVE if inactive else 0
        return self._call(lambda dom: dom.XMLDesc(flags))

    def has_managed_save(self) -> bool:
        return bool(self._call(lambda dom: dom.hasManagedSaveImage(0)))

    def is_active(self) -> bool:
        return bool(self._call(lambda dom: dom.isActive()))

    # -- acting ---------------------------------------------------------------------
    def launch(self) -> None:
        """Start the defined domain (restoring a managed-save image when there is one)."""
        self._call(lambda dom: dom.create())

    def poweroff(self) -> None:
        """Pull the plug (virDomainDestroy); the definition stays. Already off is fine."""

        def run(dom: libvirt.virDomain) -> None:
            if dom.isActive():
                try:
                    dom.destroy()
                except libvirt.libvirtError as exc:
                    # It stopped on its own between the two calls.
                    if exc.get_error_code() != libvirt.VIR_ERR_OPERATION_INVALID:
                        raise

        self._call(run)

    def shutdown(self) -> None:
        """Press the ACPI power button (the guest decides what to do)."""
        self._call(lambda dom: dom.shutdown())

    def pause(self) -> None:
        self._call(lambda dom: dom.suspend())

    def resume(self) -> None:
        self._call(lambda dom: dom.resume())

    def managed_save(self) -> None:
        self._call(lambda dom: dom.managedSave(0))

    def managed_save_remove(self) -> None:
        def run(dom: libvirt.virDomain) -> None:
            if dom.hasManagedSaveImage(0):
                dom.managedSaveRemove(0)

        self._call(run)

    def undefine(self) -> None:
        """Forget the definition, with its managed-save image and NVRAM."""
        flags = libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | libvirt.VIR_DOMAIN_UNDEFINE_NVRAM

        def run(dom: libvirt.virDomain) -> None:
            try:
                dom.undefineFlags(flags)
            except libvirt.libvirtError as exc:
                # Drivers without NVRAM support refuse the flag; the plain call is enough.
                if exc.get_error_code() not in (
                    libvirt.VIR_ERR_NO_SUPPORT,
                    libvirt.VIR_ERR_INVALID_ARG,
                ):
                    raise
                dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE)

        self._call(run)

    def wait_for_state(self, wanted: set[int], timeout: float, interval: float = 0.5) -> bool:
        """Poll until the domain is in one of ``wanted`` virDomainStates; False on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            if self.get_state() in wanted:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(interval)

    def vnc_address(self) -> vconfig.VncAddress | None:
        return vconfig.vnc_address(self.get_xml_desc())
