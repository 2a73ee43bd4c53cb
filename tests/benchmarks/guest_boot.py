"""Time a real guest's boot through the whole cloud against a bare ``virsh create``.

    .venv/bin/python tests/benchmarks/guest_boot.py [--runs 3]

Starts the e2e cloud (nova-api, conductor, scheduler, a libvirt nova-compute on the
local libvirtd, TCG; see tests/e2e/test_libvirt_guest.py) with the Novella test guest,
then for each run:

* cloud: POST /servers -> the first GET that shows ACTIVE, and POST -> the guest's
  ``NOVELLA-GUEST-UP <id>`` marker on its serial console; the server is deleted after;
* bare: ``virsh create`` of the same domain XML the driver defined (copied from the
  server's domain, with a fresh name, uuid, overlay and console file) -> the marker.

Prints the medians and the ratio cloud/bare: what the control plane, image caching and
disk preparation add to a boot. Runs one guest at a time (2-core machine).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.e2e.conftest import (  # noqa: E402
    CACHE_DIR,
    LIBVIRT_URI,
    GuestImage,
    build_guest_image,
    virsh,
)
from tests.e2e.test_libvirt_guest import UP, cloud_on_libvirt, wait_for_markers  # noqa: E402

POLL = 0.1


def ensure_libvirtd(uri: str) -> None:
    """Start virtlogd and libvirtd as HOST-NOTES.md says when nothing answers on ``uri``."""
    if virsh(uri, "version", check=False).returncode == 0:
        return
    for daemon in ("virtlogd", "libvirtd"):
        if subprocess.run(["pgrep", "-x", daemon], capture_output=True).returncode != 0:
            subprocess.run([daemon, "-d"], check=True, timeout=30)
    deadline = time.monotonic() + 30
    while virsh(uri, "version", check=False).returncode != 0:
        if time.monotonic() > deadline:
            raise SystemExit(f"libvirtd does not answer on {uri}")
        time.sleep(0.5)


def guest_image() -> GuestImage:
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    CACHE_DIR.chmod(0o755)
    manifest, _log, seconds = build_guest_image(CACHE_DIR / "guest-image")
    return GuestImage(
        kernel=Path(manifest["kernel"]),
        ramdisk=Path(manifest["ramdisk"]),
        disk=Path(manifest["disk"]),
        kernel_version=manifest["kernel_version"],
        build_hash=manifest["build_hash"],
        built=False,
        build_seconds=seconds,
        manifest=manifest,
    )


def boot_through_cloud(cloud) -> tuple[float, float, str]:
    """(POST -> ACTIVE, POST -> marker, the domain XML) of one server."""
    body = {"server": {"name": "bench", "imageRef": "6e0e2e00-0000-4000-8000-00000000a111",
                       "flavorRef": flavor_id(cloud)}}  # fmt: skip
    posted = time.monotonic()
    response = cloud.api("POST", "/servers", json=body)
    assert response.status_code == 202, response.text
    server_id = response.json()["server"]["id"]
    active = None
    while active is None:
        server = cloud.server(server_id)
        if server and server["status"] == "ACTIVE":
            active = time.monotonic() - posted
        elif server and server["status"] == "ERROR":
            raise SystemExit(f"server {server_id} went to ERROR:\n{cloud.logs()}")
        time.sleep(POLL)
    wait_for_markers(cloud.instances / server_id / "console.log", UP, 1, timeout=120)
    marker = time.monotonic() - posted
    xml = virsh(cloud.uri, "dumpxml", "--inactive", server_id).stdout
    cloud.openstack("server", "delete", "--wait", server_id)
    return active, marker, xml


def flavor_id(cloud) -> str:
    flavors = cloud.openstack_json("flavor", "list")
    return next(f["ID"] for f in flavors if f["Name"] == "e2e.256")


def boot_bare(uri: str, domain_xml: str, image: GuestImage, work: Path) -> float:
    """``virsh create`` of ``domain_xml`` on a fresh overlay of the guest's disk."""
    domain_uuid = str(uuid.uuid4())
    run = Path(tempfile.mkdtemp(prefix="bare-", dir=work))
    run.chmod(0o755)
    overlay = run / "disk"
    subprocess.run(
        ["qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw", "-b", str(image.disk),
         str(overlay), "1G"],
        check=True,
    )  # fmt: skip
    root = ET.fromstring(domain_xml)
    root.find("name").text = f"bench-bare-{domain_uuid[:8]}"
    root.find("uuid").text = domain_uuid
    for entry in root.findall("./sysinfo/system/entry"):
        if entry.get("name") in ("uuid", "serial"):
            entry.text = domain_uuid
    root.find("./devices/disk/source").set("file", str(overlay))
    console = run / "console.log"
    root.find("./devices/serial[@type='file']/source").set("path", str(console))
    # The server's own copies went with it: the same files from the build.
    for tag, source in (("kernel", image.kernel), ("initrd", image.ramdisk)):
        element = root.find(f"./os/{tag}")
        if element is not None:
            element.text = str(source)
    xml_path = run / "domain.xml"
    xml_path.write_text(ET.tostring(root, encoding="unicode"))
    started = time.monotonic()
    virsh(uri, "create", str(xml_path))
    try:
        found = wait_for_markers(console, UP, 1, timeout=120)
        assert found == [domain_uuid], found
        return time.monotonic() - started
    finally:
        virsh(uri, "destroy", f"bench-bare-{domain_uuid[:8]}", check=False)
        shutil.rmtree(run, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="boots of each kind")
    parser.add_argument("--uri", default=LIBVIRT_URI, help="libvirt URI (qemu:///system)")
    args = parser.parse_args(argv)

    ensure_libvirtd(args.uri)
    image = guest_image()
    tmp = Path(tempfile.mkdtemp(prefix="novella-guest-boot-"))
    work = CACHE_DIR / "run"
    work.mkdir(parents=True, exist_ok=True)
    active, marker, bare = [], [], []
    try:
        with cloud_on_libvirt(args.uri, image, tmp) as cloud:
            for n in range(args.runs):
                to_active, to_marker, xml = boot_through_cloud(cloud)
                active.append(to_active)
                marker.append(to_marker)
                bare.append(boot_bare(args.uri, xml, image, work))
                print(
                    f"run {n + 1}: POST->ACTIVE {to_active:.2f}s  POST->marker {to_marker:.2f}s"
                    f"  virsh create->marker {bare[-1]:.2f}s",
                    flush=True,
                )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    med = {name: statistics.median(v) for name, v in
           (("active", active), ("marker", marker), ("bare", bare))}  # fmt: skip
    print(f"\nmedian of {args.runs} runs (TCG, 256 MiB, 1 vCPU):")
    print(f"  cloud: POST -> ACTIVE          {med['active']:6.2f}s")
    print(f"  cloud: POST -> console marker  {med['marker']:6.2f}s")
    print(f"  bare:  virsh create -> marker  {med['bare']:6.2f}s")
    print(f"  ratio cloud/bare (marker)      {med['marker'] / med['bare']:6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
