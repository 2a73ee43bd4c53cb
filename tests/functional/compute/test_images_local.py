"""An operator imports images with nova-manage; tenants see them through nova-api.

nova-manage writes the local store, nova-api (a real process with two workers)
serves /images from it, and openstacksdk lists, finds and shows them the way a
tenant's tools do.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.functional.compute.glance_server import free_port
from tests.functional.daemons import Daemon, run_cli, wait_for, write_config

REPO = Path(__file__).resolve().parents[3]
OWNER_PROJECT = "0a1b2c3d4e5f"


class Cloud:
    def __init__(self, config: Path, url: str) -> None:
        self.config = config
        self.url = url

    def manage(self, *args: str):
        return run_cli("nova-manage", self.config, "image", *args)

    def sdk(self, token: str = "demo:demo") -> Any:
        import openstack

        return openstack.connect(
            auth_type="admin_token",
            auth={"endpoint": self.url + "/v2.1", "token": token},
            load_yaml_config=False,
            load_envvars=False,
        )


@pytest.fixture
def cloud(tmp_path) -> Iterator[Cloud]:
    port = free_port()
    config = write_config(
        tmp_path / "nova.conf",
        {
            "DEFAULT": {
                "state_path": tmp_path / "state",
                "osapi_compute_listen": "127.0.0.1",
                "osapi_compute_listen_port": port,
                "osapi_compute_workers": 2,
            },
            "api": {"auth_strategy": "noauth2"},
        },
    )
    daemon = Daemon("nova-api", config, tmp_path, env={"PYTHONPATH": str(REPO)})
    url = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        if daemon.proc.poll() is not None:
            raise AssertionError(f"nova-api exited early:\n{daemon.log()}")
        try:
            return requests.get(url + "/", timeout=2).status_code == 200
        except requests.ConnectionError:
            return False

    wait_for(answers, timeout=30, interval=0.2, what="nova-api to answer")
    yield Cloud(config, url)
    daemon.stop()


def _qcow2(path: Path, virtual_size: int) -> Path:
    header = b"QFI\xfb" + struct.pack(">IQII", 3, 0, 0, 16) + struct.pack(">Q", virtual_size)
    path.write_bytes(header + b"\0" * 4096)
    return path


def _id_from_table(output: str) -> str:
    for line in output.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) == 2 and cells[0] == "id":
            return cells[1]
    raise AssertionError(f"no id in:\n{output}")


def test_imported_images_are_listed_and_shown_by_openstacksdk(cloud, tmp_path):
    disk = _qcow2(tmp_path / "cirros.qcow2", 112 * 1024 * 1024)
    result = cloud.manage(
        "import",
        str(disk),
        "--name",
        "cirros-0.6.2-x86_64-disk",
        "--disk-format",
        "qcow2",
        "--property",
        "hw_disk_bus=virtio",
        "--property",
        "os_distro=cirros",
        "--min-ram",
        "64",
        "--public",
    )
    assert result.returncode == 0, result.stderr
    cirros_id = _id_from_table(result.stdout)

    private = tmp_path / "private.raw"
    private.write_bytes(b"\1" * 8192)
    result = cloud.manage(
        "import",
        str(private),
        "--name",
        "owner-only",
        "--disk-format",
        "raw",
        "--owner",
        OWNER_PROJECT,
        "--visibility",
        "private",
    )
    assert result.returncode == 0, result.stderr
    private_id = _id_from_table(result.stdout)

    listing = cloud.manage("list")
    assert listing.returncode == 0, listing.stderr
    assert "cirros-0.6.2-x86_64-disk" in listing.stdout and "owner-only" in listing.stdout

    conn = cloud.sdk()
    names = {image.name for image in conn.compute.images()}
    assert names == {"cirros-0.6.2-x86_64-disk"}
    found = conn.compute.find_image("cirros-0.6.2-x86_64-disk")
    assert found is not None and found.id == cirros_id
    image = conn.compute.get_image(cirros_id)
    assert image.status == "ACTIVE" and image.progress == 100
    assert image.size == disk.stat().st_size
    assert image.min_ram == 64 and image.min_disk == 0
    assert image.metadata == {"hw_disk_bus": "virtio", "os_distro": "cirros"}
    assert {link["rel"] for link in image.links} == {"self", "bookmark"}

    import openstack

    # Another project's private image does not exist for the demo project...
    with pytest.raises(openstack.exceptions.NotFoundException):
        conn.compute.get_image(private_id)
    assert conn.compute.find_image("owner-only") is None
    # ...but its owner sees it.
    owner = cloud.sdk(f"alice:{OWNER_PROJECT}")
    assert {i.name for i in owner.compute.images()} == {"cirros-0.6.2-x86_64-disk", "owner-only"}
    assert owner.compute.get_image(private_id).size == 8192


def test_tenant_cannot_delete_a_public_image_but_admin_can(cloud, tmp_path):
    disk = tmp_path / "tiny.raw"
    disk.write_bytes(b"\0" * 1024)
    result = cloud.manage("import", str(disk), "--name", "tiny", "--disk-format", "raw", "--public")
    assert result.returncode == 0, result.stderr
    image_id = _id_from_table(result.stdout)

    import openstack

    with pytest.raises(openstack.exceptions.ForbiddenException):
        cloud.sdk().compute.delete_image(image_id)
    cloud.sdk("admin:admin").compute.delete_image(image_id)
    with pytest.raises(openstack.exceptions.NotFoundException):
        cloud.sdk().compute.get_image(image_id)
    assert "tiny" not in cloud.manage("list").stdout


def test_import_refuses_wrong_formats_with_a_message(cloud, tmp_path):
    raw = tmp_path / "disk.raw"
    raw.write_bytes(b"\0" * 1024)
    wrong = cloud.manage("import", str(raw), "--name", "x", "--disk-format", "qcow2")
    assert wrong.returncode == 1
    assert wrong.stderr.strip() == (
        "ERROR: Image disk.raw is unacceptable: --disk-format qcow2 but it is not qcow2"
    )
    missing = cloud.manage("import", str(tmp_path / "nope"), "--name", "x", "--disk-format", "raw")
    assert missing.returncode == 1 and "no such file" in missing.stderr
    unknown = cloud.manage("import", str(raw), "--name", "x", "--disk-format", "floppy")
    assert unknown.returncode != 0 and "floppy" in unknown.stderr
    assert "Traceback" not in wrong.stderr + missing.stderr + unknown.stderr
    shown = cloud.manage("show", "no-such-image")
    assert shown.returncode == 1
    assert shown.stderr.strip() == "ERROR: Image no-such-image could not be found."


def test_stack_sh_imports_the_default_image_once(tmp_path):
    """devstack-like's import_default_image, as stack.sh runs it, twice."""
    import subprocess
    import sys

    script = """
set -euo pipefail
source devstack-like/stackrc
source devstack-like/lib/image.sh
configure_nova >/dev/null
import_default_image
import_default_image
novella_cmd nova-manage --config-file "$NOVA_CONF" image list
"""
    env = {
        "PATH": "/usr/bin:/bin:/usr/sbin:/sbin",
        "HOME": str(tmp_path),
        "PYTHONPATH": str(REPO),
        "NOVELLA_VENV": str(Path(sys.executable).parent.parent),
        "NOVELLA_STATE_DIR": str(tmp_path / "state"),
        "NOVELLA_CONF_DIR": str(tmp_path / "etc"),
    }
    result = subprocess.run(
        ["bash", "-c", script],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "importing default image novella-tiny" in result.stdout
    assert "default image novella-tiny is already in the image service" in result.stdout
    rows = [line for line in result.stdout.splitlines() if "| novella-tiny " in line]
    assert len(rows) == 1
    assert "| active " in rows[0] and "| public " in rows[0]
