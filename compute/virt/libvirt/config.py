"""The libvirt domain XML of an instance, and nothing else.

``guest_config`` turns an instance (its flavor's sizes, uuid, name), its image's
properties and the files the image backend prepared into a ``GuestConfig``; ``to_xml``
renders it. No libvirt call and no file access happen here, so the XML can be tested on
its own and read in one place.

What the XML says, and why:

* ``<domain type=virt_type>`` from configuration, never from the host's capabilities
  (a host may list kvm and hang KVM guests).
* ``<uuid>`` and the SMBIOS system uuid/serial are the instance uuid, so a guest (and the
  console marker of the Novella test guest) knows which instance it is.
* ``<features><acpi/>``: without ACPI a guest's ``poweroff`` only halts, the domain keeps
  running, and soft reboot / clean power off cannot press the power button.
* Direct kernel boot when the image names a kernel (EC2-style AKI/ARI/AMI), disk boot
  otherwise.
* The serial console goes to a file (appended across restarts), which is what
  ``os-getConsoleOutput`` returns; VNC listens where ``[vnc] server_listen`` says, on a
  port libvirt picks.
* Nova's ``<nova:instance>`` metadata marks the domains this driver owns, so other
  domains on the same libvirtd are never listed, touched or reaped.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# Nova's metadata namespace: tools that read Nova's domains read ours.
NOVA_NS = "http://openstack.org/xmlns/libvirt/nova/1.1"
NOVA_PREFIX = "nova"

# Nova's command line for direct kernel boot.
DEFAULT_KERNEL_CMDLINE = "root=/dev/vda console=tty0 console=ttyS0 console=hvc0"

ET.register_namespace(NOVA_PREFIX, NOVA_NS)


@dataclass(frozen=True)
class Disk:
    """One disk of the guest: a file, its format and where the guest sees it."""

    path: str
    driver_type: str  # 'qcow2' | 'raw'
    target_dev: str  # vda, vdb, ...
    bus: str = "virtio"
    device: str = "disk"


@dataclass(frozen=True)
class Interface:
    """A NIC on a host bridge (from the network's VIF: bridge name and MAC address)."""

    bridge: str
    mac: str | None = None
    model: str = "virtio"


@dataclass
class GuestConfig:
    """Everything the domain XML says, as plain values."""

    name: str
    uuid: str
    memory_mb: int
    vcpus: int
    virt_type: str = "qemu"
    arch: str = "x86_64"
    cpu_mode: str = "none"
    kernel: str | None = None
    ramdisk: str | None = None
    cmdline: str | None = None
    disks: list[Disk] = field(default_factory=list)
    interfaces: list[Interface] = field(default_factory=list)
    console_log: str | None = None
    vnc_listen: str | None = None
    vnc_keymap: str | None = None
    sysinfo: dict[str, str] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)


def image_properties(image_meta: Mapping[str, Any] | None) -> dict[str, Any]:
    """The image's properties, whether they are nested (Glance v2 dict) or flat."""
    if not image_meta:
        return {}
    props = dict(image_meta.get("properties") or {})
    for key in ("kernel_id", "ramdisk_id", "os_command_line"):
        if key in image_meta and key not in props:
            props[key] = image_meta[key]
    return props


def kernel_cmdline(image_meta: Mapping[str, Any] | None) -> str:
    """Nova's direct-boot command line, with the image's ``os_command_line`` appended
    (so an image can add options such as ``novella.poweroff_after=5`` and keep the
    serial console)."""
    extra = str(image_properties(image_meta).get("os_command_line") or "").strip()
    return f"{DEFAULT_KERNEL_CMDLINE} {extra}" if extra else DEFAULT_KERNEL_CMDLINE


def guest_config(
    instance: Any,
    image_meta: Mapping[str, Any] | None,
    disks: Sequence[Disk],
    *,
    virt_type: str,
    cpu_mode: str = "none",
    kernel: str | None = None,
    ramdisk: str | None = None,
    console_log: str | None = None,
    vnc_listen: str | None = None,
    vnc_keymap: str | None = None,
    interfaces: Sequence[Interface] = (),
) -> GuestConfig:
    """The guest of ``instance``: sizes from its (current) flavor, boot from the image.

    ``kernel``/``ramdisk`` are local files the image backend fetched; given a kernel, the
    guest boots it directly with ``kernel_cmdline(image_meta)``.
    """
    flavor = getattr(instance, "flavor", None)
    memory_mb = int(getattr(instance, "memory_mb", 0) or getattr(flavor, "memory_mb", 0))
    vcpus = int(getattr(instance, "vcpus", 0) or getattr(flavor, "vcpus", 0) or 1)
    if memory_mb <= 0:
        raise ValueError(f"instance {instance.uuid} has no memory size")
    props = image_properties(image_meta)
    return GuestConfig(
        name=instance.name,
        uuid=instance.uuid,
        memory_mb=memory_mb,
        vcpus=vcpus,
        virt_type=virt_type,
        arch=str(props.get("hw_architecture") or props.get("architecture") or "x86_64"),
        cpu_mode=cpu_mode,
        kernel=kernel,
        ramdisk=ramdisk if kernel else None,
        cmdline=kernel_cmdline(image_meta) if kernel else None,
        disks=list(disks),
        interfaces=list(interfaces),
        console_log=console_log,
        vnc_listen=vnc_listen,
        vnc_keymap=vnc_keymap,
        sysinfo={
            "manufacturer": "OpenStack Foundation",
            "product": "OpenStack Nova",
            "serial": instance.uuid,
            "uuid": instance.uuid,
            "family": "Virtual Machine",
        },
        metadata={
            "name": getattr(instance, "display_name", None) or instance.name,
            "flavor": {
                "name": getattr(flavor, "name", None) or "",
                "memory": memory_mb,
                "disk": int(getattr(instance, "root_gb", 0) or 0),
                "ephemeral": int(getattr(instance, "ephemeral_gb", 0) or 0),
                "vcpus": vcpus,
            },
            "owner": {
                "user": getattr(instance, "user_id", None) or "",
                "project": getattr(instance, "project_id", None) or "",
            },
            "root_image": (image_meta or {}).get("id") or getattr(instance, "image_ref", ""),
        },
    )


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k.rstrip("_"): v for k, v in attrs.items()})
    if text is not None:
        element.text = text
    return element


def _nova(tag: str) -> str:
    return f"{{{NOVA_NS}}}{tag}"


def _metadata(domain: ET.Element, meta: Mapping[str, Any]) -> None:
    instance = ET.SubElement(ET.SubElement(domain, "metadata"), _nova("instance"))
    _sub(instance, _nova("name"), str(meta.get("name", "")))
    flavor = meta.get("flavor") or {}
    flavor_el = _sub(instance, _nova("flavor"), name=str(flavor.get("name", "")))
    for key in ("memory", "disk", "ephemeral", "vcpus"):
        _sub(flavor_el, _nova(key), str(flavor.get(key, 0)))
    owner = meta.get("owner") or {}
    owner_el = _sub(instance, _nova("owner"))
    _sub(owner_el, _nova("user"), uuid=str(owner.get("user", "")))
    _sub(owner_el, _nova("project"), uuid=str(owner.get("project", "")))
    _sub(instance, _nova("root"), type="image", uuid=str(meta.get("root_image") or ""))


def to_xml(config: GuestConfig) -> str:
    """The libvirt domain XML of ``config``."""
    domain = ET.Element("domain", type=config.virt_type)
    _sub(domain, "name", config.name)
    _sub(domain, "uuid", config.uuid)
    _metadata(domain, config.metadata)
    _sub(domain, "memory", str(config.memory_mb), unit="MiB")
    _sub(domain, "vcpu", str(config.vcpus))
    if config.sysinfo:
        system = _sub(_sub(domain, "sysinfo", type="smbios"), "system")
        for name, value in config.sysinfo.items():
            _sub(system, "entry", value, name=name)

    os_el = _sub(domain, "os")
    _sub(os_el, "type", "hvm", arch=config.arch)
    if config.kernel:
        _sub(os_el, "kernel", config.kernel)
        if config.ramdisk:
            _sub(os_el, "initrd", config.ramdisk)
        if config.cmdline:
            _sub(os_el, "cmdline", config.cmdline)
    else:
        _sub(os_el, "boot", dev="hd")
    if config.sysinfo:
        _sub(os_el, "smbios", mode="sysinfo")

    features = _sub(domain, "features")
    _sub(features, "acpi")
    _sub(features, "apic")
    if config.cpu_mode and config.cpu_mode != "none":
        _sub(domain, "cpu", mode=config.cpu_mode)
    _sub(domain, "clock", offset="utc")
    _sub(domain, "on_poweroff", "destroy")
    _sub(domain, "on_reboot", "restart")
    _sub(domain, "on_crash", "destroy")

    devices = _sub(domain, "devices")
    for disk in config.disks:
        disk_el = _sub(devices, "disk", type="file", device=disk.device)
        _sub(disk_el, "driver", name="qemu", type=disk.driver_type)
        _sub(disk_el, "source", file=disk.path)
        _sub(disk_el, "target", dev=disk.target_dev, bus=disk.bus)
    for vif in config.interfaces:
        nic = _sub(devices, "interface", type="bridge")
        if vif.mac:
            _sub(nic, "mac", address=vif.mac)
        _sub(nic, "source", bridge=vif.bridge)
        _sub(nic, "model", type=vif.model)
    if config.console_log:
        serial = _sub(devices, "serial", type="file")
        _sub(serial, "source", path=config.console_log, append="on")
        _sub(serial, "target", port="0")
    # A pty serial second, as Nova adds, keeps `virsh console` working.
    _sub(_sub(devices, "serial", type="pty"), "target", port="1")
    if config.vnc_listen:
        graphics = _sub(
            devices, "graphics", type="vnc", port="-1", autoport="yes", listen=config.vnc_listen
        )
        if config.vnc_keymap:
            graphics.set("keymap", config.vnc_keymap)
    _sub(devices, "memballoon", model="virtio")
    ET.indent(domain)
    return ET.tostring(domain, encoding="unicode") + "\n"


@dataclass(frozen=True)
class VncAddress:
    host: str
    port: int


def vnc_address(domain_xml: str) -> VncAddress | None:
    """Where the running domain's VNC server listens (libvirt writes the port it chose
    into the live XML), or None when it has none yet."""
    root = ET.fromstring(domain_xml)
    graphics = root.find("./devices/graphics[@type='vnc']")
    if graphics is None:
        return None
    port = int(graphics.get("port") or -1)
    if port <= 0:
        return None
    listen = graphics.get("listen")
    listen_el = graphics.find("listen")
    if not listen and listen_el is not None:
        listen = listen_el.get("address")
    return VncAddress(host=listen or "127.0.0.1", port=port)


def disk_paths(domain_xml: str) -> list[str]:
    """The files of the domain's file-backed disks, in device order."""
    root = ET.fromstring(domain_xml)
    return [
        source.get("file", "")
        for source in root.findall("./devices/disk[@type='file']/source")
        if source.get("file")
    ]


def is_ours(domain_xml: str) -> bool:
    """True when the domain carries Nova's instance metadata (this driver defined it)."""
    return ET.fromstring(domain_xml).find(f"./metadata/{_nova('instance')}") is not None
