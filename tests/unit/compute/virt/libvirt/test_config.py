"""The domain XML of an instance, on its own: what the guest and libvirt will see."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from compute.virt.libvirt import config as vconfig

UUID = "0b7e3f0e-5f3a-4a8e-9d55-111122223333"


class Flavor:
    name = "m1.small"
    memory_mb = 2048
    vcpus = 2


class Instance:
    uuid = UUID
    name = "instance-0000002a"
    display_name = "web-1"
    memory_mb = 256
    vcpus = 1
    root_gb = 1
    ephemeral_gb = 0
    user_id = "demo"
    project_id = "demo-project"
    image_ref = "img-1"
    flavor = Flavor()


def build(image_meta=None, **kwargs) -> ET.Element:
    disks = kwargs.pop("disks", [vconfig.Disk("/i/disk", "qcow2", "vda")])
    kwargs.setdefault("virt_type", "qemu")
    xml = vconfig.to_xml(vconfig.guest_config(Instance(), image_meta, disks, **kwargs))
    return ET.fromstring(xml)


def test_domain_carries_the_instance_identity_sizes_and_virt_type_from_config():
    dom = build({"id": "img-1"}, virt_type="kvm")
    assert dom.get("type") == "kvm"
    assert dom.findtext("name") == "instance-0000002a"
    assert dom.findtext("uuid") == UUID
    # The instance's own sizes win over its flavor's (resize sets them first).
    assert dom.findtext("memory") == "256" and dom.find("memory").get("unit") == "MiB"
    assert dom.findtext("vcpu") == "1"
    entries = {e.get("name"): e.text for e in dom.findall("./sysinfo/system/entry")}
    assert entries["uuid"] == UUID and entries["serial"] == UUID
    assert dom.find("./os/smbios").get("mode") == "sysinfo"
    assert dom.find("./features/acpi") is not None
    assert dom.findtext("on_poweroff") == "destroy"
    assert dom.find("cpu") is None  # cpu_mode none: the hypervisor's default model


def test_direct_kernel_boot_appends_os_command_line():
    dom = build(
        {"id": "img-1", "properties": {"os_command_line": "novella.poweroff_after=5"}},
        kernel="/i/kernel",
        ramdisk="/i/ramdisk",
    )
    assert dom.findtext("./os/kernel") == "/i/kernel"
    assert dom.findtext("./os/initrd") == "/i/ramdisk"
    cmdline = dom.findtext("./os/cmdline")
    assert cmdline.startswith(vconfig.DEFAULT_KERNEL_CMDLINE)
    assert cmdline.endswith(" novella.poweroff_after=5")
    assert dom.find("./os/boot") is None


def test_disk_boot_without_kernel():
    dom = build({"id": "img-1", "properties": {"os_command_line": "ignored"}})
    assert dom.find("./os/kernel") is None and dom.find("./os/cmdline") is None
    assert dom.find("./os/boot").get("dev") == "hd"


def test_disks_serial_file_vnc_and_nics():
    dom = build(
        {"id": "img-1"},
        disks=[vconfig.Disk("/i/disk", "qcow2", "vda"), vconfig.Disk("/i/eph", "raw", "vdb")],
        console_log="/i/console.log",
        vnc_listen="127.0.0.1",
        interfaces=[vconfig.Interface(bridge="br100", mac="fa:16:3e:00:00:01")],
        cpu_mode="host-model",
    )
    disks = dom.findall("./devices/disk")
    assert [(d.find("source").get("file"), d.find("driver").get("type")) for d in disks] == [
        ("/i/disk", "qcow2"),
        ("/i/eph", "raw"),
    ]
    assert [d.find("target").get("dev") for d in disks] == ["vda", "vdb"]
    serial = dom.find("./devices/serial[@type='file']/source")
    assert serial.get("path") == "/i/console.log" and serial.get("append") == "on"
    graphics = dom.find("./devices/graphics")
    assert (graphics.get("type"), graphics.get("listen"), graphics.get("autoport")) == (
        "vnc",
        "127.0.0.1",
        "yes",
    )
    nic = dom.find("./devices/interface")
    assert nic.find("source").get("bridge") == "br100"
    assert nic.find("mac").get("address") == "fa:16:3e:00:00:01"
    assert dom.find("cpu").get("mode") == "host-model"
    assert vconfig.disk_paths(ET.tostring(dom, encoding="unicode")) == ["/i/disk", "/i/eph"]


def test_no_vnc_when_disabled_and_nova_metadata_marks_the_domain():
    dom = build({"id": "img-1"})
    assert dom.find("./devices/graphics") is None
    xml = ET.tostring(dom, encoding="unicode")
    assert vconfig.is_ours(xml)
    assert not vconfig.is_ours("<domain type='qemu'><name>other</name></domain>")
    ns = {"nova": vconfig.NOVA_NS}
    assert dom.findtext("./metadata/nova:instance/nova:name", namespaces=ns) == "web-1"
    flavor = dom.find("./metadata/nova:instance/nova:flavor", ns)
    assert flavor.get("name") == "m1.small"
    root = dom.find("./metadata/nova:instance/nova:root", ns)
    assert root.get("uuid") == "img-1"


def test_vnc_address_is_read_from_the_live_xml():
    live = (
        "<domain><devices><graphics type='vnc' port='5901' autoport='yes' listen='127.0.0.1'>"
        "<listen type='address' address='127.0.0.1'/></graphics></devices></domain>"
    )
    assert vconfig.vnc_address(live) == vconfig.VncAddress("127.0.0.1", 5901)
    assert vconfig.vnc_address(live.replace("5901", "-1")) is None
    assert vconfig.vnc_address("<domain><devices/></domain>") is None


def test_instance_without_memory_is_refused():
    class NoMemory(Instance):
        memory_mb = 0
        flavor = None

    with pytest.raises(ValueError):
        vconfig.guest_config(NoMemory(), {}, [], virt_type="qemu")
