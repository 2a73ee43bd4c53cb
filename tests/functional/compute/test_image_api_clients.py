"""Unmodified OpenStack clients find, upload and read images through nova-api's /image.

A real nova-api process (two workers, noauth2, SQLite) serves the Compute API and the
Glance-compatible image API on one port, over the local image store that nova-manage
fills.  The clouds.yaml is the one devstack-like/stack.sh writes (its own script,
merged into a file holding another cloud); python-openstackclient and openstacksdk
use it as they would after ``./devstack-like/stack.sh``.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import yaml

from tests.functional.daemons import Daemon, free_port, run_cli, wait_for, write_config

REPO = Path(__file__).resolve().parents[3]
CLOUDS_SCRIPT = REPO / "devstack-like" / "lib" / "clouds_yaml.py"
OPENSTACK = Path(sys.executable).parent / "openstack"


class Cloud:
    """nova-api and the clients' configuration."""

    def __init__(self, tmp_path: Path, config: Path, port: int, clouds: Path) -> None:
        self.tmp = tmp_path
        self.config = config
        self.url = f"http://127.0.0.1:{port}"
        self.clouds = clouds
        self.daemon: Daemon | None = None

    def openstack(self, *args: str, cloud: str = "novella") -> subprocess.CompletedProcess:
        env = {**os.environ, "OS_CLIENT_CONFIG_FILE": str(self.clouds)}
        return subprocess.run(
            [str(OPENSTACK), "--os-cloud", cloud, *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )

    def openstack_json(self, *args: str, cloud: str = "novella") -> object:
        result = self.openstack(*args, "-f", "json", cloud=cloud)
        assert result.returncode == 0, f"openstack {' '.join(args)}:\n{result.stderr}"
        return json.loads(result.stdout)


@pytest.fixture
def cloud(tmp_path: Path) -> Iterator[Cloud]:
    port = free_port()
    state = tmp_path / "state"
    config = write_config(
        tmp_path / "nova.conf",
        {
            "DEFAULT": {
                "state_path": state,
                "osapi_compute_listen": "127.0.0.1",
                "osapi_compute_listen_port": port,
                "osapi_compute_workers": 2,
            },
            "api": {"auth_strategy": "noauth2"},
            "database": {"connection": f"sqlite:///{tmp_path / 'nova.sqlite'}"},
        },
    )
    synced = run_cli("nova-manage", config, "db", "sync")
    assert synced.returncode == 0, synced.stderr

    # The user already has a clouds.yaml with a cloud of their own.
    clouds = tmp_path / "clouds.yaml"
    clouds.write_text("clouds:\n  elsewhere:\n    auth:\n      auth_url: http://keystone:5000/v3\n")
    written = subprocess.run(
        [
            sys.executable,
            str(CLOUDS_SCRIPT),
            "--compute-url",
            f"http://127.0.0.1:{port}/v2.1",
            "--image-url",
            f"http://127.0.0.1:{port}/image",
            str(clouds),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert written.returncode == 0, written.stderr

    result = Cloud(tmp_path, config, port, clouds)
    tiny = tmp_path / "novella-tiny.raw"
    tiny.write_bytes(b"\0" * 65536)
    imported = run_cli(
        "nova-manage",
        config,
        "image",
        "import",
        str(tiny),
        "--name",
        "novella-tiny",
        "--disk-format",
        "raw",
        "--container-format",
        "bare",
        "--public",
    )
    assert imported.returncode == 0, imported.stderr

    daemon = Daemon("nova-api", config, tmp_path, env={"PYTHONPATH": str(REPO)})
    result.daemon = daemon

    def answers() -> bool:
        if daemon.proc.poll() is not None:
            raise AssertionError(f"nova-api exited early:\n{daemon.log()}")
        try:
            return requests.get(result.url + "/image/versions", timeout=2).status_code == 200
        except requests.ConnectionError:
            return False

    try:
        wait_for(answers, timeout=30, interval=0.2, what="nova-api to answer on /image")
        yield result
    finally:
        daemon.stop()


def test_clouds_yaml_keeps_the_users_other_clouds(cloud):
    document = yaml.safe_load(cloud.clouds.read_text())
    assert set(document["clouds"]) == {"elsewhere", "novella", "novella-admin"}
    assert document["clouds"]["elsewhere"] == {"auth": {"auth_url": "http://keystone:5000/v3"}}
    assert document["clouds"]["novella"]["auth"]["token"] == "demo:demo"
    assert oct(cloud.clouds.stat().st_mode & 0o777) == "0o600"


def test_openstackclient_lists_and_shows_images_next_to_compute(cloud):
    listed = cloud.openstack_json("image", "list")
    assert [(i["Name"], i["Status"]) for i in listed] == [("novella-tiny", "active")]

    shown = cloud.openstack_json("image", "show", "novella-tiny")
    assert shown["id"] == listed[0]["ID"]
    assert shown["disk_format"] == "raw" and shown["visibility"] == "public"
    assert shown["size"] == 65536

    flavors = {f["Name"] for f in cloud.openstack_json("flavor", "list")}
    assert "m1.tiny" in flavors
    assert cloud.openstack_json("server", "list") == []

    missing = cloud.openstack("image", "show", "no-such-image")
    assert missing.returncode != 0
    assert "No Image found for no-such-image" in missing.stderr


def test_openstackclient_uploads_changes_downloads_and_deletes(cloud, tmp_path):
    disk = tmp_path / "upload.raw"
    disk.write_bytes(os.urandom(300_000))
    created = cloud.openstack_json(
        "image",
        "create",
        "--file",
        str(disk),
        "--disk-format",
        "raw",
        "--container-format",
        "bare",
        "--property",
        "hw_disk_bus=virtio",
        "--tag",
        "mine",
        "uploaded",
    )
    assert created["status"] == "active"
    assert created["checksum"] == hashlib.md5(disk.read_bytes()).hexdigest()

    result = cloud.openstack("image", "set", "--name", "renamed", "--property", "a=b", "uploaded")
    assert result.returncode == 0, result.stderr
    result = cloud.openstack("image", "unset", "--property", "hw_disk_bus", "renamed")
    assert result.returncode == 0, result.stderr
    shown = cloud.openstack_json("image", "show", "renamed")
    assert shown["properties"]["a"] == "b" and "hw_disk_bus" not in shown["properties"]
    assert shown["tags"] == ["mine"]

    saved = tmp_path / "saved.raw"
    result = cloud.openstack("image", "save", "--file", str(saved), "renamed")
    assert result.returncode == 0, result.stderr
    assert saved.read_bytes() == disk.read_bytes()

    # The demo project may not publish; the admin cloud may.
    refused = cloud.openstack("image", "set", "--public", "renamed")
    assert refused.returncode != 0 and "403" in refused.stderr
    result = cloud.openstack("image", "set", "--public", "renamed", cloud="novella-admin")
    assert result.returncode == 0, result.stderr

    result = cloud.openstack("image", "delete", "renamed")
    assert result.returncode == 0, result.stderr
    assert [i["Name"] for i in cloud.openstack_json("image", "list")] == ["novella-tiny"]


def test_openstacksdk_finds_pages_uploads_and_downloads(cloud, monkeypatch):
    import openstack

    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(cloud.clouds))
    conn = openstack.connect(cloud="novella")

    tiny = conn.image.find_image("novella-tiny")
    assert tiny is not None and tiny.status == "active" and tiny.size == 65536
    assert conn.image.find_image("no-such-image") is None

    data = os.urandom(200_000)
    uploaded = conn.image.create_image(
        name="sdk-upload",
        data=data,
        disk_format="raw",
        container_format="bare",
        hw_rng_model="virtio",
        allow_duplicates=True,
        wait=True,
    )
    fetched = conn.image.get_image(uploaded.id)
    assert fetched.status == "active" and fetched.size == len(data)
    assert fetched.checksum == hashlib.md5(data).hexdigest()
    assert fetched.hw_rng_model == "virtio"
    assert fetched.owner == "demo"
    assert conn.image.download_image(fetched).content == data

    for index in range(4):
        conn.image.create_image(
            name=f"page-{index}",
            disk_format="raw",
            container_format="bare",
            allow_duplicates=True,
            data=b"x",
        )
    # Pages of two: the SDK follows Glance's "next" links to the end.
    paged = [image.name for image in conn.image.images(limit=2, sort="name:asc")]
    assert paged == sorted(["novella-tiny", "sdk-upload", "page-0", "page-1", "page-2", "page-3"])

    # Another project sees the public image but not the demo project's.
    admin_conn = openstack.connect(cloud="novella-admin")
    assert {i.name for i in admin_conn.image.images()} >= {"novella-tiny", "sdk-upload"}
    other = openstack.connect(
        auth_type="admin_token",
        auth={"endpoint": cloud.url + "/v2.1", "token": "bob:b0b"},
        image_endpoint_override=cloud.url + "/image",
        load_yaml_config=False,
        load_envvars=False,
    )
    assert {i.name for i in other.image.images()} == {"novella-tiny"}
    with pytest.raises(openstack.exceptions.NotFoundException):
        other.image.get_image(uploaded.id)

    conn.image.delete_image(uploaded.id)
    assert conn.image.find_image("sdk-upload") is None
