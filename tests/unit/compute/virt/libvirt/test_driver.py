"""The libvirt driver against libvirt's test:///default hypervisor (no libvirtd): domains
follow the actions, the files on disk are the ones Nova would leave, failures leave
nothing behind. Disk files are real (qemu-img), so overlays and sizes are checked."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import libvirt
import pytest

from common.config import CONF
from common.context import get_admin_context
from compute import exception
from compute.image.local import LocalImageService
from compute.states import PowerState, TaskState, VmState
from compute.virt import driver as virt_driver
from compute.virt.libvirt import LibvirtDriver, imagebackend
from compute.virt.libvirt.guest import Guest

TEST_URI = "test:///default"
MIB = 1024 * 1024
CTX = get_admin_context()


@dataclass
class Images:
    store: LocalImageService
    disk: str
    kernel: str
    ramdisk: str
    ami: str


def qemu_img_info(path: Path) -> dict:
    out = subprocess.run(
        ["qemu-img", "info", "-U", "--output=json", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out)


def test_domains() -> list[str]:
    conn = libvirt.open(TEST_URI)
    try:
        return [d.UUIDString() for d in conn.listAllDomains()]
    finally:
        conn.close()


test_domains.__test__ = False  # a helper, not a test


@pytest.fixture
def images(conf, tmp_path) -> Images:
    conf(group="image", local_store_path=str(tmp_path / "images"))
    store = LocalImageService(tmp_path / "images")

    def add(name: str, data: bytes, fmt: str, **props: str) -> str:
        meta = {
            "name": name,
            "disk_format": fmt,
            "container_format": fmt if fmt in ("ami", "aki", "ari") else "bare",
            "visibility": "public",
            "properties": props,
        }
        return store.create(CTX, meta, data)["id"]

    disk = add("plain", b"\x01" * MIB, "raw")
    kernel = add("k", b"kernel-bytes", "aki")
    ramdisk = add("r", b"ramdisk-bytes", "ari")
    ami = add(
        "tiny",
        b"\x02" * MIB,
        "ami",
        kernel_id=kernel,
        ramdisk_id=ramdisk,
        os_command_line="novella.poweroff_after=5",
    )
    return Images(store, disk, kernel, ramdisk, ami)


@pytest.fixture
def drv(conf, tmp_path, images):
    conf(group=None, instances_path=str(tmp_path / "instances"))
    conf(group="libvirt", connection_uri=TEST_URI, wait_soft_reboot_seconds=2)
    conf(group="vnc", enabled=True)
    before = set(test_domains())
    driver = LibvirtDriver()
    driver.init_host("compute1")
    yield driver
    conn = libvirt.open(TEST_URI)
    for dom in conn.listAllDomains():
        if dom.UUIDString() not in before:
            if dom.isActive():
                dom.destroy()
            dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE)
    conn.close()
    driver.cleanup_host("compute1")


def image_meta(images: Images, image_id: str) -> dict:
    return images.store.show(CTX, image_id)


def spawn(drv, images, instance, image_id=None, **kwargs):
    drv.spawn(CTX, instance, image_meta(images, image_id or images.ami), [], None, **kwargs)


def state(drv, instance) -> PowerState:
    return drv.get_info(instance).state


def test_compute_driver_option_loads_the_libvirt_driver(drv):
    loaded = virt_driver.load_compute_driver("libvirt.LibvirtDriver")
    assert isinstance(loaded, LibvirtDriver)
    assert loaded.capabilities["supports_snapshot"]


def test_spawn_defines_a_running_domain_over_an_overlay_of_the_cached_image(
    drv, images, make_instance, tmp_path
):
    instance = make_instance(memory_mb=256, root_gb=1)
    spawn(drv, images, instance)

    assert state(drv, instance) == PowerState.RUNNING
    assert drv.get_info(instance).memory_mb == 256
    assert drv.list_instance_uuids() == [instance.uuid]  # not test:///default's own "test"
    assert drv.list_instances() == [instance.name]
    assert drv.instance_exists(instance)

    base = tmp_path / "instances" / "_base" / images.ami
    idir = tmp_path / "instances" / instance.uuid
    info = qemu_img_info(idir / "disk")
    assert info["format"] == "qcow2"
    assert info["backing-filename"] == str(base)
    assert info["virtual-size"] == 1024**3  # grown to the flavor's root_gb
    assert base.read_bytes() == b"\x02" * MIB
    assert (idir / "kernel").read_bytes() == b"kernel-bytes"
    assert (idir / "ramdisk").read_bytes() == b"ramdisk-bytes"
    assert oct(idir.stat().st_mode & 0o777) == "0o755"

    xml = Guest(drv.host, instance.uuid).get_xml_desc()
    assert f"<kernel>{idir / 'kernel'}</kernel>" in xml
    assert "novella.poweroff_after=5</cmdline>" in xml
    assert str(idir / "console.log") in xml
    assert (idir / "libvirt.xml").exists()


def test_raw_images_type_copies_the_base(drv, images, make_instance, conf, tmp_path):
    conf(group="libvirt", images_type="raw")
    instance = make_instance(root_gb=0)
    spawn(drv, images, instance, images.disk)
    info = qemu_img_info(tmp_path / "instances" / instance.uuid / "disk")
    assert info["format"] == "raw" and "backing-filename" not in info
    assert info["virtual-size"] == MIB  # root_gb 0: the image's own size
    xml = Guest(drv.host, instance.uuid).get_xml_desc()
    assert "<kernel>" not in xml  # no kernel_id: disk boot


def test_a_base_image_is_downloaded_once_per_host(drv, images, make_instance, monkeypatch):
    downloads = []
    original = LocalImageService.download

    def counting(self, ctxt, image_id, dst_path=None):
        downloads.append(image_id)
        return original(self, ctxt, image_id, dst_path)

    monkeypatch.setattr(LocalImageService, "download", counting)
    first, second = make_instance(), make_instance()
    spawn(drv, images, first, images.disk)
    spawn(drv, images, second, images.disk)
    assert downloads == [images.disk]


def test_ephemeral_disk_is_the_second_disk(drv, images, make_instance, tmp_path):
    instance = make_instance(ephemeral_gb=1)
    spawn(drv, images, instance, images.disk)
    eph = tmp_path / "instances" / instance.uuid / "disk.eph0"
    assert qemu_img_info(eph)["virtual-size"] == 1024**3
    xml = Guest(drv.host, instance.uuid).get_xml_desc()
    assert str(eph) in xml and "dev='vdb'" in xml


def test_power_actions_follow_the_domain(drv, images, make_instance):
    instance = make_instance()
    spawn(drv, images, instance)
    guest = Guest(drv.host, instance.uuid)

    drv.pause(instance)
    assert state(drv, instance) == PowerState.PAUSED
    drv.unpause(instance)
    assert state(drv, instance) == PowerState.RUNNING

    drv.suspend(CTX, instance)
    assert state(drv, instance) == PowerState.SUSPENDED
    assert guest.has_managed_save()
    drv.resume(CTX, instance, None)
    assert state(drv, instance) == PowerState.RUNNING
    assert not guest.has_managed_save()

    drv.power_off(instance, timeout=5, retry_interval=1)
    assert state(drv, instance) == PowerState.SHUTDOWN
    drv.power_on(CTX, instance, None)
    assert state(drv, instance) == PowerState.RUNNING

    drv.reboot(CTX, instance, None, "SOFT")
    assert state(drv, instance) == PowerState.RUNNING

    # A hard reboot starts a suspended guest afresh (its saved memory is dropped).
    drv.suspend(CTX, instance)
    drv.reboot(CTX, instance, None, "HARD")
    assert state(drv, instance) == PowerState.RUNNING
    assert not guest.has_managed_save()

    drv.power_off(instance)
    drv.resume_state_on_host_boot(CTX, instance, None)
    assert state(drv, instance) == PowerState.RUNNING


def test_soft_reboot_of_a_guest_ignoring_acpi_falls_back_to_hard(
    drv, images, make_instance, monkeypatch, conf
):
    conf(group="libvirt", wait_soft_reboot_seconds=1)
    instance = make_instance()
    spawn(drv, images, instance)
    pressed, hard = [], []
    monkeypatch.setattr(Guest, "shutdown", lambda self: pressed.append(self.uuid))
    original_hard = LibvirtDriver._hard_reboot
    monkeypatch.setattr(
        LibvirtDriver,
        "_hard_reboot",
        lambda self, inst: (hard.append(inst.uuid), original_hard(self, inst)),
    )
    drv.reboot(CTX, instance, None, "SOFT")
    assert pressed == [instance.uuid] and hard == [instance.uuid]
    assert state(drv, instance) == PowerState.RUNNING


def test_destroy_removes_the_domain_and_every_file_but_keeps_the_cache(
    drv, images, make_instance, tmp_path
):
    instance = make_instance()
    spawn(drv, images, instance)
    drv.suspend(CTX, instance)  # a managed-save image goes too
    drv.destroy(CTX, instance)
    assert instance.uuid not in test_domains()
    assert not (tmp_path / "instances" / instance.uuid).exists()
    assert (tmp_path / "instances" / "_base" / images.ami).exists()
    with pytest.raises(exception.InstanceNotFound):
        drv.get_info(instance)
    drv.destroy(CTX, instance)  # idempotent


def test_a_failed_spawn_leaves_nothing(drv, images, make_instance, tmp_path):
    missing = make_instance(image_ref="no-such-image")
    with pytest.raises(exception.ImageNotFound):
        drv.spawn(CTX, missing, {"id": "no-such-image"}, [], None)
    small = make_instance(root_gb=1)
    huge = images.store.create(
        CTX,
        {"name": "big", "disk_format": "qcow2", "visibility": "public"},
        subprocess.run(
            ["sh", "-c", f"qemu-img create -q -f qcow2 {tmp_path}/big 2G && cat {tmp_path}/big"],
            capture_output=True,
            check=True,
        ).stdout,
    )
    with pytest.raises(exception.FlavorDiskSmallerThanImage):
        spawn(drv, images, small, huge["id"])
    for instance in (missing, small):
        assert not (tmp_path / "instances" / instance.uuid).exists()
        assert instance.uuid not in test_domains()


def test_spawn_twice_is_refused(drv, images, make_instance):
    instance = make_instance()
    spawn(drv, images, instance)
    with pytest.raises(exception.InstanceExists):
        spawn(drv, images, instance)
    assert state(drv, instance) == PowerState.RUNNING


def test_snapshot_uploads_a_standalone_image_that_keeps_the_boot_properties(
    drv, images, make_instance, tmp_path
):
    instance = make_instance()
    spawn(drv, images, instance)
    queued = images.store.create(CTX, {"name": "snap", "visibility": "private"})
    steps = []
    drv.snapshot(
        CTX,
        instance,
        queued["id"],
        lambda **kw: steps.append((kw["task_state"], kw.get("expected_state"))),
    )
    assert steps == [
        (TaskState.IMAGE_PENDING_UPLOAD, None),
        (TaskState.IMAGE_UPLOADING, TaskState.IMAGE_PENDING_UPLOAD),
    ]
    snap = images.store.show(CTX, queued["id"])
    assert snap["status"] == "active" and snap["disk_format"] == "qcow2"
    assert snap["properties"]["kernel_id"] == images.kernel
    assert snap["properties"]["ramdisk_id"] == images.ramdisk
    data = tmp_path / "snap.qcow2"
    data.write_bytes(b"".join(images.store.download(CTX, queued["id"])))
    info = qemu_img_info(data)
    assert info["format"] == "qcow2" and "backing-filename" not in info
    assert state(drv, instance) == PowerState.RUNNING  # paused only for the copy
    assert not list((tmp_path / "instances" / "snapshots").iterdir())


@dataclass
class NewFlavor:
    name: str = "m1.bigger"
    memory_mb: int = 512
    vcpus: int = 1
    root_gb: int = 2
    ephemeral_gb: int = 0


def resize_on_this_host(drv, instance, flavor):
    disk_info = drv.migrate_disk_and_power_off(CTX, instance, "compute1", flavor, None)
    instance.memory_mb, instance.root_gb = flavor.memory_mb, flavor.root_gb
    migration = {"resize_source_host": "compute1", "resize_dest_host": "compute1"}
    drv.finish_migration(CTX, migration, instance, disk_info, None, {}, True)
    return migration


def test_resize_on_the_same_host_then_confirm(drv, images, make_instance, tmp_path):
    instance = make_instance(memory_mb=256, root_gb=1)
    spawn(drv, images, instance)
    migration = resize_on_this_host(drv, instance, NewFlavor())
    idir = tmp_path / "instances" / instance.uuid
    assert drv.get_info(instance).memory_mb == 512
    assert state(drv, instance) == PowerState.RUNNING
    assert qemu_img_info(idir / "disk")["virtual-size"] == 2 * 1024**3
    assert (tmp_path / "instances" / f"{instance.uuid}_resize" / "disk").exists()
    drv.confirm_migration(CTX, migration, instance, None)
    assert not (tmp_path / "instances" / f"{instance.uuid}_resize").exists()
    assert state(drv, instance) == PowerState.RUNNING  # same host: the guest stays


def test_resize_revert_brings_the_old_guest_back(drv, images, make_instance, tmp_path):
    instance = make_instance(memory_mb=256, root_gb=1)
    spawn(drv, images, instance)
    migration = resize_on_this_host(drv, instance, NewFlavor())
    instance.memory_mb, instance.root_gb = 256, 1
    drv.finish_revert_migration(CTX, instance, None, migration)
    assert drv.get_info(instance).memory_mb == 256
    assert state(drv, instance) == PowerState.RUNNING
    idir = tmp_path / "instances" / instance.uuid
    assert qemu_img_info(idir / "disk")["virtual-size"] == 1024**3
    assert not (tmp_path / "instances" / f"{instance.uuid}_resize").exists()


def test_a_confirmed_same_host_resize_leaves_no_leftovers_after_the_next_action(
    drv, images, make_instance, tmp_path
):
    """The manager does not call confirm_migration when source and destination are
    the same host; the next action on the (no longer resized) instance cleans up."""
    instance = make_instance(memory_mb=256, root_gb=1)
    spawn(drv, images, instance)
    resize_on_this_host(drv, instance, NewFlavor())
    instance.vm_state = VmState.RESIZED
    drv.power_off(instance)
    assert (tmp_path / "instances" / f"{instance.uuid}_resize").exists()
    instance.vm_state = VmState.STOPPED
    drv.power_on(CTX, instance, None)
    assert not (tmp_path / "instances" / f"{instance.uuid}_resize").exists()


def test_resize_refuses_to_shrink_the_root_disk(drv, images, make_instance):
    instance = make_instance(root_gb=2)
    spawn(drv, images, instance)
    with pytest.raises(exception.CannotResizeDisk):
        drv.migrate_disk_and_power_off(CTX, instance, "compute1", NewFlavor(root_gb=1), None)
    assert state(drv, instance) == PowerState.RUNNING


def test_rebuild_recreates_the_disks_from_the_new_image(drv, images, make_instance, tmp_path):
    instance = make_instance()
    spawn(drv, images, instance)
    drv.rebuild(CTX, instance, image_meta(images, images.disk))
    idir = tmp_path / "instances" / instance.uuid
    assert qemu_img_info(idir / "disk")["backing-filename"].endswith(images.disk)
    assert not (idir / "kernel").exists()
    assert state(drv, instance) == PowerState.RUNNING
    assert "<kernel>" not in Guest(drv.host, instance.uuid).get_xml_desc()


def test_console_output_is_the_tail_of_the_log_file(drv, images, make_instance, tmp_path):
    instance = make_instance()
    spawn(drv, images, instance)
    log = tmp_path / "instances" / instance.uuid / "console.log"
    log.write_bytes(b"x" * 200_000 + b"\nNOVELLA-GUEST-UP " + instance.uuid.encode() + b"\n")
    output = drv.get_console_output(CTX, instance)
    assert len(output.encode()) == 100 * 1024
    assert output.endswith(f"NOVELLA-GUEST-UP {instance.uuid}\n")
    drv.destroy(CTX, instance)
    with pytest.raises(exception.InstanceNotFound):
        drv.get_console_output(CTX, instance)


def test_host_resources_come_from_libvirt_and_the_instances_file_system(drv):
    node = drv.get_available_nodes()[0]
    resources = drv.get_available_resource(node)
    conn = libvirt.open(TEST_URI)
    _arch, memory_mb, cpus = conn.getInfo()[:3]
    conn.close()
    assert resources["vcpus"] == cpus and resources["memory_mb"] == memory_mb
    assert resources["local_gb"] > 0 and resources["disk_available_least"] >= 0
    assert resources["hypervisor_hostname"] == node
    assert resources["supported_instances"][0][1] == "qemu"  # virt_type from config
    assert json.loads(resources["cpu_info"])["topology"]["cores"] >= 1
    # The node's identity survives a new driver (a restart of nova-compute).
    assert drv.get_node_uuid(node) == LibvirtDriver().get_node_uuid(node)


def test_images_type_names_map_to_file_formats():
    assert [imagebackend.disk_format(t) for t in ("default", "qcow2", "raw", "flat")] == [
        "qcow2",
        "qcow2",
        "raw",
        "raw",
    ]
    assert CONF.libvirt.virt_type == "qemu"
