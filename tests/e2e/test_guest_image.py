"""The Novella test guest (devstack-like/tools/build-guest-image.sh) under real QEMU (TCG)
and a real libvirtd: it builds reproducibly, boots by direct kernel boot, reports its
instance id, address, disk and metadata on the serial console, accepts the injected SSH
key, runs its user-data, and powers off on the ACPI power button or by itself.

One small guest at a time (256 MiB, 1 vCPU): the suite runs on 2 cores.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from tests.e2e.conftest import (
    BUILD_SCRIPT,
    REPO,
    GuestImage,
    build_guest_image,
    domain_exists,
    parse_manifest,
    virsh,
    wait_for_console,
    wait_for_domain_gone,
)

BOOT_TIMEOUT = float(os.environ.get("NOVELLA_E2E_BOOT_TIMEOUT", "60"))
POWEROFF_TIMEOUT = 30.0
MEMORY_MIB = 256
SLIRP_GUEST_IP = "10.0.2.15"
# QEMU's user-mode network maps 10.0.2.2 to the host's loopback.
SLIRP_HOST = "10.0.2.2"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def domain_xml(
    name: str,
    domain_uuid: str,
    image: GuestImage,
    run_dir: Path,
    cmdline: str,
    *,
    smbios: bool = True,
    ssh_port: int | None = None,
) -> str:
    """A transient TCG domain booting the guest's kernel and initramfs directly, with a
    qcow2 overlay of the AMI as vda, the serial console in ``run_dir/console.log`` and a
    user-mode NIC (with an SSH port forward from 127.0.0.1 when ``ssh_port`` is set; libvirt
    cannot express hostfwd, so that NIC goes through qemu:commandline)."""
    overlay = run_dir / "disk.qcow2"
    subprocess.run(
        ["qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw", "-b", str(image.disk)]
        + [str(overlay)],
        check=True,
        timeout=30,
    )
    sysinfo = os_smbios = ""
    if smbios:
        # What Nova's libvirt driver writes: the instance uuid as serial and uuid.
        sysinfo = f"""
  <sysinfo type='smbios'>
    <system>
      <entry name='manufacturer'>OpenStack Foundation</entry>
      <entry name='product'>OpenStack Nova</entry>
      <entry name='serial'>{domain_uuid}</entry>
      <entry name='uuid'>{domain_uuid}</entry>
      <entry name='family'>Virtual Machine</entry>
    </system>
  </sysinfo>"""
        os_smbios = "<smbios mode='sysinfo'/>"
    if ssh_port is None:
        nic = "<interface type='user'><model type='virtio'/></interface>"
        qemu_args = ""
    else:
        nic = ""
        netdev = f"user,id=novellanet0,hostfwd=tcp:127.0.0.1:{ssh_port}-:22"
        qemu_args = f"""
  <qemu:commandline>
    <qemu:arg value='-netdev'/>
    <qemu:arg value='{netdev}'/>
    <qemu:arg value='-device'/>
    <qemu:arg value='virtio-net-pci,netdev=novellanet0,bus=pci.0,addr=0x10'/>
  </qemu:commandline>"""
    return f"""<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>{name}</name>
  <uuid>{domain_uuid}</uuid>
  <memory unit='MiB'>{MEMORY_MIB}</memory>
  <vcpu>1</vcpu>{sysinfo}
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>{image.kernel}</kernel>
    <initrd>{image.ramdisk}</initrd>
    <cmdline>{escape(cmdline)}</cmdline>
    {os_smbios}
  </os>
  <features><acpi/></features>
  <on_poweroff>destroy</on_poweroff>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='{overlay}'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    {nic}
    <serial type='file'><source path='{run_dir / "console.log"}'/></serial>
  </devices>{qemu_args}
</domain>
"""


class Guests:
    """Starts transient domains and destroys whatever is still running at the end."""

    def __init__(self, uri: str, run_dir: Path) -> None:
        self.uri = uri
        self.run_dir = run_dir
        self.names: list[str] = []

    def create(self, xml: str, name: str) -> float:
        """``virsh create``; returns the monotonic time it returned at."""
        path = self.run_dir / "domain.xml"
        path.write_text(xml)
        self.names.append(name)
        virsh(self.uri, "create", str(path))
        return time.monotonic()

    def console(self) -> Path:
        return self.run_dir / "console.log"

    def cleanup(self) -> None:
        for name in self.names:
            if domain_exists(self.uri, name):
                virsh(self.uri, "destroy", name, check=False)


@pytest.fixture
def guests(libvirtd: str, e2e_run_dir: Path) -> Iterator[Guests]:
    running = Guests(libvirtd, e2e_run_dir)
    yield running
    running.cleanup()


class MetadataService:
    """A stand-in for nova-api-metadata: serves fixed documents by path and records the
    paths the guest asked for."""

    def __init__(self, documents: dict[str, str]) -> None:
        self.documents = documents
        self.requested: list[str] = []
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                service.requested.append(self.path)
                body = service.documents.get(self.path.lstrip("/"))
                if body is None:
                    self.send_error(404)
                    return
                data = body.encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url_from_guest(self) -> str:
        return f"http://{SLIRP_HOST}:{self.port}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def metadata_service() -> Iterator[list[MetadataService]]:
    started: list[MetadataService] = []
    yield started
    for service in started:
        service.close()


def ssh_keypair(directory: Path, name: str) -> tuple[Path, str]:
    key = directory / name
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)],
        check=True,
        timeout=30,
    )
    return key, (directory / f"{name}.pub").read_text().strip()


def ssh(key: Path, port: int, command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["ssh", "-i", str(key), "-p", str(port), "-o", "BatchMode=yes"]
        + ["-o", "IdentitiesOnly=yes", "-o", "StrictHostKeyChecking=no"]
        + ["-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=20"]
        + ["-o", "LogLevel=ERROR", "root@127.0.0.1", command],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def test_build_is_reproducible_and_a_no_op_when_nothing_changed(
    guest_image: GuestImage, tmp_path: Path
) -> None:
    manifest_path = guest_image.kernel.parent / "manifest"
    mtimes = {p: p.stat().st_mtime_ns for p in (guest_image.ramdisk, guest_image.disk)}

    again, log, elapsed = build_guest_image(guest_image.kernel.parent)
    assert "up to date" in log
    assert again == parse_manifest(manifest_path.read_text())
    assert again["build_hash"] == guest_image.build_hash
    assert {p: p.stat().st_mtime_ns for p in mtimes} == mtimes
    assert elapsed < 10

    # A forced build elsewhere gives the same bytes, within the 60 s budget.
    fresh, log, elapsed = build_guest_image(tmp_path / "fresh", "-f")
    assert "built in" in log
    assert elapsed < 60, f"building the guest took {elapsed:.1f}s"
    for key in ("kernel_sha256", "ramdisk_sha256", "disk_sha256", "build_hash"):
        assert fresh[key] == guest_image.manifest[key], key

    # The initramfs holds busybox as init, dropbear, and the virtio drivers in the
    # dependency order modprobe computes.
    listing = subprocess.run(
        ["cpio", "-it", "--quiet"],
        input=gzip.decompress(guest_image.ramdisk.read_bytes()),
        capture_output=True,
        check=True,
    ).stdout.decode()
    names = set(listing.split())
    for wanted in ("init", "bin/busybox", "usr/sbin/dropbear", "etc/init.d/rcS"):
        assert wanted in names, wanted
    order = fresh["modules"].split()
    for before, after in [
        ("virtio_ring.ko", "virtio.ko"),
        ("virtio.ko", "virtio_pci_modern_dev.ko"),
        ("virtio_pci_legacy_dev.ko", "virtio_pci.ko"),
        ("virtio_pci.ko", "virtio_blk.ko"),
        ("failover.ko", "net_failover.ko"),
        ("net_failover.ko", "virtio_net.ko"),
    ]:
        assert order.index(before) < order.index(after), (before, after)
    assert all(f"lib/modules/{module}" in names for module in order)


def test_build_refuses_an_unknown_kernel(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(BUILD_SCRIPT), "-o", str(tmp_path), "-k", "0.0.0-nope-cloud-amd64"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "/boot/vmlinuz-0.0.0-nope-cloud-amd64" in result.stderr
    assert not (tmp_path / "manifest").exists()


def test_guest_boots_with_its_smbios_uuid_and_powers_off_on_acpi_shutdown(
    guest_image: GuestImage, guests: Guests, record_property
) -> None:
    domain_uuid = str(uuid.uuid4())
    name = f"novella-e2e-{domain_uuid[:8]}"
    xml = domain_xml(
        name,
        domain_uuid,
        guest_image,
        guests.run_dir,
        # Nova's direct-kernel-boot command line; nothing answers on 169.254.169.254.
        "root=/dev/vda console=tty0 console=ttyS0 console=hvc0",
    )
    created = guests.create(xml, name)
    console = guests.console()
    up = wait_for_console(console, r"NOVELLA-GUEST-UP (\S+)", BOOT_TIMEOUT)
    boot_to_marker = time.monotonic() - created
    record_property("boot_to_marker_seconds", round(boot_to_marker, 2))
    print(f"\nguest boot (virsh create -> NOVELLA-GUEST-UP): {boot_to_marker:.1f}s")

    assert up.group(1) == domain_uuid
    log = console.read_text()
    assert f"NOVELLA-GUEST-IP {SLIRP_GUEST_IP}" in log
    assert "NOVELLA-GUEST-METADATA none" in log
    assert "NOVELLA-DISK vda 16777216" in log
    assert "NOVELLA-DISK-MARKER vda novella-guest root disk" in log
    assert "NOVELLA-GUEST-CPUS 1" in log
    assert virsh(guests.uri, "domstate", name).stdout.strip() == "running"

    shutdown_started = time.monotonic()
    virsh(guests.uri, "shutdown", name)
    wait_for_domain_gone(guests.uri, name, POWEROFF_TIMEOUT)
    print(f"ACPI shutdown -> domain gone: {time.monotonic() - shutdown_started:.1f}s")
    log = console.read_text()
    assert "NOVELLA-GUEST-ACPI power-button" in log
    assert "NOVELLA-GUEST-SHUTDOWN" in log


def test_guest_reads_metadata_runs_user_data_and_accepts_only_the_injected_key(
    guest_image: GuestImage, guests: Guests, metadata_service, tmp_path: Path
) -> None:
    key, public_key = ssh_keypair(tmp_path, "injected")
    other_key, _ = ssh_keypair(tmp_path, "other")
    domain_uuid = str(uuid.uuid4())
    name = f"novella-e2e-{domain_uuid[:8]}"
    service = MetadataService(
        {
            "latest/meta-data/instance-id": "i-0000002a",
            "latest/meta-data/hostname": "meta-guest.novalocal",
            "latest/meta-data/public-keys/0/openssh-key": public_key + "\n",
            "latest/user-data": "#!/bin/sh\necho NOVELLA-USERDATA-HELLO\n"
            "hostname > /run/user-data-ran\n",
            "openstack/latest/meta_data.json": json.dumps(
                {"uuid": domain_uuid, "hostname": "meta-guest.novalocal", "name": "meta"}
            ),
        }
    )
    metadata_service.append(service)
    ssh_port = free_port()
    xml = domain_xml(
        name,
        domain_uuid,
        guest_image,
        guests.run_dir,
        f"console=ttyS0 novella.metadata_url={service.url_from_guest()}",
        ssh_port=ssh_port,
    )
    guests.create(xml, name)
    console = guests.console()
    up = wait_for_console(console, r"NOVELLA-GUEST-UP (\S+)", BOOT_TIMEOUT)
    assert up.group(1) == domain_uuid
    wait_for_console(console, r"NOVELLA-USERDATA-EXIT (\d+)", 30)
    log = console.read_text()
    assert "NOVELLA-GUEST-METADATA ok" in log
    assert "NOVELLA-GUEST-EC2-INSTANCE-ID i-0000002a" in log
    assert "NOVELLA-GUEST-HOSTNAME meta-guest" in log
    assert "NOVELLA-GUEST-SSH 22 keys=1" in log
    assert "NOVELLA-USERDATA-HELLO" in log
    assert "NOVELLA-USERDATA-EXIT 0" in log
    for path in (
        "/latest/meta-data/instance-id",
        "/latest/meta-data/public-keys/0/openssh-key",
        "/latest/user-data",
        "/openstack/latest/meta_data.json",
    ):
        assert path in service.requested, path

    result = ssh(key, ssh_port, "hostname; cat /run/user-data-ran; id -u")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["meta-guest", "meta-guest", "0"]
    refused = ssh(other_key, ssh_port, "true")
    assert refused.returncode != 0
    assert "Permission denied" in refused.stderr


@pytest.mark.parametrize("how", ["user-data", "command-line"])
def test_guest_powers_itself_off(
    how: str, guest_image: GuestImage, guests: Guests, metadata_service
) -> None:
    """The guest ends itself: a user-data ``poweroff -f`` (through a metadata service),
    or ``novella.poweroff_after`` on the kernel command line (an image's
    ``os_command_line``, for clouds whose guests reach no metadata service)."""
    domain_uuid = str(uuid.uuid4())
    instance_id = str(uuid.uuid4())
    name = f"novella-e2e-{domain_uuid[:8]}"
    # No meta_data.json: the id comes from the command line, ahead of SMBIOS.
    cmdline = f"console=ttyS0 novella.instance_id={instance_id}"
    if how == "user-data":
        service = MetadataService(
            {
                "latest/meta-data/instance-id": "i-00000007",
                "latest/user-data": "#!/bin/sh\npoweroff -f\n",
            }
        )
        metadata_service.append(service)
        cmdline += f" novella.metadata_url={service.url_from_guest()}"
        said = "NOVELLA-USERDATA-RUN"
    else:
        cmdline += " novella.metadata_url=http://127.0.0.9 novella.poweroff_after=1"
        said = "NOVELLA-GUEST-POWEROFF"
    guests.create(domain_xml(name, domain_uuid, guest_image, guests.run_dir, cmdline), name)
    up = wait_for_console(guests.console(), r"NOVELLA-GUEST-UP (\S+)", BOOT_TIMEOUT)
    assert up.group(1) == instance_id
    wait_for_domain_gone(guests.uri, name, POWEROFF_TIMEOUT)
    assert said in guests.console().read_text()


def _import_guest_image(tmp_path: Path, guest_image: GuestImage) -> str:
    """Run lib/guest_image.sh's import_guest_image, then import_default_image, as
    stack.sh does, against a local image store under ``tmp_path``."""
    conf = tmp_path / "nova.conf"
    conf.write_text(f"[DEFAULT]\nstate_path = {tmp_path / 'state'}\n")
    lib = REPO / "devstack-like" / "lib"
    script = "\n".join(
        [
            "set -euo pipefail",
            f"source {lib / 'functions.sh'}",
            f"source {lib / 'packages.sh'}",
            f"source {lib / 'image.sh'}",
            f"source {lib / 'guest_image.sh'}",
            "import_guest_image",
            "import_default_image",
            'echo "default image: $NOVELLA_DEFAULT_IMAGE_NAME"',
        ]
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("NOVELLA_")}
    env.update(
        NOVELLA_REPO=str(REPO),
        NOVELLA_VENV=sys.prefix,
        NOVA_CONF=str(conf),
        NOVELLA_STATE_DIR=str(tmp_path / "state"),
        NOVELLA_GUEST_IMAGE_DIR=str(guest_image.kernel.parent),
    )
    (tmp_path / "state").mkdir(exist_ok=True)
    result = subprocess.run(
        ["bash", "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _nova_manage_images(tmp_path: Path, *args: str) -> str:
    return subprocess.run(
        [sys.executable, str(REPO / "bin" / "nova-manage")]
        + ["--config-file", str(tmp_path / "nova.conf"), "image", *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout


def _table_field(table: str, name: str) -> str:
    match = re.search(rf"^\|\s*{re.escape(name)}\s*\|\s*(.*?)\s*\|$", table, re.MULTILINE)
    assert match, f"no {name} in:\n{table}"
    return match.group(1)


def test_stack_imports_the_guest_as_ec2_images_once(
    guest_image: GuestImage, tmp_path: Path
) -> None:
    first = _import_guest_image(tmp_path, guest_image)
    assert "importing guest image novella-tiny" in first
    # The guest took the default image's name: the README's boot command boots it.
    assert "default image: novella-tiny" in first
    listing = _nova_manage_images(tmp_path, "list")
    rows = {
        cells[2]: cells[1]
        for cells in (
            [cell.strip() for cell in line.split("|")]
            for line in listing.splitlines()
            if line.startswith("| ") and "Name" not in line
        )
    }
    assert sorted(rows) == ["novella-tiny", "novella-tiny-kernel", "novella-tiny-ramdisk"]

    machine = _nova_manage_images(tmp_path, "show", rows["novella-tiny"])
    assert _table_field(machine, "disk_format") == "ami"
    assert _table_field(machine, "properties.kernel_id") == rows["novella-tiny-kernel"]
    assert _table_field(machine, "properties.ramdisk_id") == rows["novella-tiny-ramdisk"]
    assert _table_field(machine, "properties.novella_build") == guest_image.build_hash
    kernel = _nova_manage_images(tmp_path, "show", rows["novella-tiny-kernel"])
    assert _table_field(kernel, "disk_format") == "aki"
    assert _table_field(kernel, "size") == str(guest_image.kernel.stat().st_size)
    ramdisk = _nova_manage_images(tmp_path, "show", rows["novella-tiny-ramdisk"])
    assert _table_field(ramdisk, "container_format") == "ari"

    second = _import_guest_image(tmp_path, guest_image)
    assert "already in the image service" in second
    assert _nova_manage_images(tmp_path, "list") == listing
