"""nova-all, the embedded default: every compute service in one process on SQLite and
memory://, driven by python-openstackclient through the clouds.yaml stack.sh writes.

The configuration holds only what a user would write by hand: a state directory, noauth2
and a port. The database, the bus and the fake driver are nova-all's defaults.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.functional.daemons import (
    Daemon,
    clouds_yaml,
    free_port,
    run_cli,
    wait_for,
    write_config,
)


class NovaAll:
    def __init__(self, tmp_path: Path) -> None:
        self.tmp = tmp_path
        self.port = free_port()
        self.state = tmp_path / "state"
        self.conf = write_config(
            tmp_path / "nova.conf",
            {
                "DEFAULT": {"state_path": self.state, "osapi_compute_listen_port": self.port},
                "api": {"auth_strategy": "noauth2"},
            },
        )
        self.clouds = clouds_yaml(tmp_path / "clouds.yaml", self.port)
        self.daemon: Daemon | None = None

    def import_image(self, name: str) -> None:
        image = self.tmp / f"{name}.img"
        image.write_bytes(b"\0" * 1024 * 1024)
        imported = run_cli(
            "nova-manage",
            self.conf,
            "image",
            "import",
            str(image),
            "--name",
            name,
            "--disk-format",
            "raw",
            "--public",
        )
        assert imported.returncode == 0, imported.stdout + imported.stderr

    def start(self) -> None:
        self.daemon = Daemon("nova-all", self.conf, self.tmp)

    def openstack(self, *args: str, cloud: str = "novella", check: bool = True):
        exe = shutil.which("openstack") or str(Path(sys.executable).parent / "openstack")
        result = subprocess.run(
            [exe, "--os-cloud", cloud, *args],
            capture_output=True,
            text=True,
            env={**os.environ, "OS_CLIENT_CONFIG_FILE": str(self.clouds)},
            timeout=120,
            stdin=subprocess.DEVNULL,
        )
        if check and result.returncode != 0:
            log = self.daemon.log()[-6000:] if self.daemon else ""
            raise AssertionError(f"openstack {' '.join(args)} failed:\n{result.stderr}\n{log}")
        return result

    def openstack_json(self, *args: str, cloud: str = "novella"):
        return json.loads(self.openstack(*args, "-f", "json", cloud=cloud).stdout)

    def wait_for_api(self) -> None:
        def answers() -> bool:
            assert self.daemon is not None
            if self.daemon.proc.poll() is not None:
                raise AssertionError(f"nova-all exited at start:\n{self.daemon.log()[-6000:]}")
            return self.openstack("flavor", "list", check=False).returncode == 0

        wait_for(answers, timeout=60, what="nova-all's API")


@pytest.fixture
def nova_all(tmp_path: Path):
    cloud = NovaAll(tmp_path)
    yield cloud
    if cloud.daemon is not None:
        cloud.daemon.stop()


def test_nova_all_boots_lists_shows_and_deletes_servers(nova_all: NovaAll) -> None:
    nova_all.import_image("novella-tiny")
    nova_all.start()
    nova_all.wait_for_api()

    created = nova_all.openstack_json(
        "server", "create", "--flavor", "m1.tiny", "--image", "novella-tiny", "--wait", "demo"
    )
    assert created["status"] == "ACTIVE", created
    assert created["name"] == "demo"

    # Several builds at once: the API, conductor, scheduler and compute threads of one
    # process share the SQLite file and the in-memory bus.
    nova_all.openstack(
        "server",
        "create",
        "--flavor",
        "m1.tiny",
        "--image",
        "novella-tiny",
        "--min",
        "4",
        "--max",
        "4",
        "--wait",
        "burst",
    )
    listed = nova_all.openstack_json("server", "list")
    assert len(listed) == 5
    assert {s["Status"] for s in listed} == {"ACTIVE"}

    shown = nova_all.openstack_json("server", "show", created["id"], cloud="novella-admin")
    assert shown["status"] == "ACTIVE"
    assert shown["OS-EXT-STS:vm_state"] == "active"
    assert shown["OS-EXT-SRV-ATTR:host"], shown
    assert shown["image"].startswith("novella-tiny")

    nova_all.openstack("server", "delete", "--wait", *(server["ID"] for server in listed))
    assert nova_all.openstack_json("server", "list") == []

    # The embedded default: the database is an SQLite file under state_path.
    assert (nova_all.state / "nova.sqlite").exists()

    assert nova_all.daemon is not None
    code, seconds = nova_all.daemon.terminate(timeout=10)
    assert code == 0, nova_all.daemon.log()[-4000:]
    assert seconds < 10
