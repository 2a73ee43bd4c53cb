"""python-openstackclient against a real nova-api process (noauth2, SQLite): flavors,
key pairs, quotas, services, hypervisors, aggregates and server groups as an operator
and a tenant see them.

noauth2 has no Keystone; OSC reaches nova-api with keystoneauth's ``admin_token``
plugin (the token is noauth2's ``user:project``).  ``quota show`` looks the project up
in the identity service, so a stand-in identity endpoint answers version discovery and
``GET /v3/projects/{id}`` (and refuses everything else).
"""

from __future__ import annotations

import datetime
import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from common.context import get_admin_context
from compute import objects
from compute.db import api as db_api
from tests.functional.daemons import Daemon, script, wait_for, write_config

REPO = Path(__file__).resolve().parents[3]
OPENSTACK = str(Path(sys.executable).parent / "openstack")
PROJECT = "a1b2c3d4"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Identity(http.server.BaseHTTPRequestHandler):
    """Version discovery and project lookups by id; 403 for anything else."""

    def _send(self, code: int, doc: dict[str, Any]) -> None:
        body = json.dumps(doc).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802  (http.server's name)
        base = f"http://127.0.0.1:{self.server.server_port}/v3/"
        path = self.path.split("?")[0].rstrip("/")
        if path in ("", "/v3"):
            version = {"id": "v3.14", "status": "stable", "updated": "2020-04-07T00:00:00Z"}
            version["links"] = [{"rel": "self", "href": base}]
            return self._send(200, {"version": version})
        if path.startswith("/v3/projects/"):
            project_id = path.rsplit("/", 1)[1]
            project = {"id": project_id, "name": project_id, "domain_id": "default"}
            return self._send(200, {"project": {**project, "enabled": True}})
        return self._send(403, {"error": {"code": 403, "message": "denied", "title": "Forbidden"}})

    def log_message(self, *args: Any) -> None:
        pass


class Cloud:
    def __init__(self, tmp_path: Path, api_url: str, identity_url: str) -> None:
        clouds = {
            name: {
                "auth_type": "admin_token",
                "auth": {"endpoint": api_url, "token": token},
                "compute_endpoint_override": api_url,
                "identity_endpoint_override": identity_url,
                "identity_api_version": "3",
            }
            for name, token in (("novella", f"alice:{PROJECT}"), ("novella-admin", "admin:admin"))
        }
        self.config = tmp_path / "clouds.yaml"
        self.config.write_text(json.dumps({"clouds": clouds}))  # JSON is YAML

    def run(self, *args: str, admin: bool = False, check: bool = True) -> Any:
        cloud = "novella-admin" if admin else "novella"
        env = {**os.environ, "OS_CLIENT_CONFIG_FILE": str(self.config)}
        proc = subprocess.run(
            [OPENSTACK, "--os-cloud", cloud, *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        if check:
            assert proc.returncode == 0, proc.stderr
        return proc

    def json(self, *args: str, admin: bool = False) -> Any:
        return json.loads(self.run(*args, "-f", "json", admin=admin).stdout)


@pytest.fixture(scope="module")
def cloud(tmp_path_factory) -> Iterator[Cloud]:
    tmp_path = tmp_path_factory.mktemp("resources")
    url = f"sqlite:///{tmp_path}/nova.sqlite"
    port = _free_port()
    config = write_config(
        tmp_path / "nova.conf",
        {
            "DEFAULT": {
                "osapi_compute_listen": "127.0.0.1",
                "osapi_compute_listen_port": port,
                "osapi_compute_workers": 1,
                # The seeded services never beat again: they stay up for the module.
                "service_down_time": 3600,
            },
            "api": {"auth_strategy": "noauth2"},
            "wsgi": {"api_paste_config": REPO / "etc/nova/api-paste.ini"},
            "database": {"connection": url},
        },
    )
    subprocess.run([script("nova-manage"), "--config-file", str(config), "db", "sync"], check=True)
    _seed(url)
    identity = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Identity)
    threading.Thread(target=identity.serve_forever, daemon=True).start()
    daemon = Daemon("nova-api", config, tmp_path, env={"PYTHONPATH": str(REPO)})
    api_url = f"http://127.0.0.1:{port}/v2.1"

    def answers() -> bool:
        if daemon.proc.poll() is not None:
            raise AssertionError(f"nova-api exited early:\n{daemon.log()}")
        try:
            return requests.get(api_url, timeout=2).status_code == 200
        except requests.ConnectionError:
            return False

    try:
        wait_for(answers, timeout=30, interval=0.2, what="nova-api to answer")
        yield Cloud(tmp_path, api_url, f"http://127.0.0.1:{identity.server_port}/v3")
    finally:
        daemon.stop()
        identity.shutdown()


def _seed(url: str) -> None:
    """Two compute hosts with their nodes and a conductor, as the daemons report them
    (one heartbeat each; ``service_down_time`` keeps them up)."""
    db_api.configure(url)
    try:
        admin = get_admin_context()
        now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
        for host, binary in (("compute1", "nova-compute"), ("compute2", "nova-compute")):
            objects.Service(
                context=admin,
                uuid=str(uuid.uuid4()),
                host=host,
                binary=binary,
                topic="compute",
                last_seen_up=now,
            ).create()
            objects.ComputeNode(
                context=admin,
                uuid=str(uuid.uuid4()),
                host=host,
                hypervisor_hostname=f"{host}.example",
                vcpus=8,
                memory_mb=16384,
                local_gb=200,
                hypervisor_type="fake",
                hypervisor_version=1000,
                free_ram_mb=16384,
                free_disk_gb=200,
                running_vms=0,
                host_ip="192.0.2.1",
            ).create()
        objects.Service(
            context=admin,
            uuid=str(uuid.uuid4()),
            host="controller",
            binary="nova-conductor",
            topic="conductor",
            last_seen_up=now,
        ).create()
    finally:
        db_api.reset_facade()


def test_flavor_list_and_create(cloud):
    names = {f["Name"] for f in cloud.json("flavor", "list")}
    assert {"m1.tiny", "m1.small", "m1.medium", "m1.large", "m1.xlarge"} <= names
    created = cloud.json(
        "flavor", "create", "--ram", "256", "--disk", "1", "--vcpus", "2", "--id", "42",
        "--private", "--project", PROJECT, "osc.private", admin=True,
    )  # fmt: skip
    assert (created["id"], created["ram"], created["vcpus"]) == ("42", 256, 2)
    assert created["os-flavor-access:is_public"] is False
    assert "osc.private" in {f["Name"] for f in cloud.json("flavor", "list", "--all")}
    refused = cloud.run("flavor", "create", "--ram", "64", "--disk", "0", "x", check=False)
    assert refused.returncode != 0
    assert "os_compute_api:os-flavor-manage:create" in refused.stderr


def test_keypair_create_list_delete(cloud):
    private_key = cloud.run("keypair", "create", "osc-key").stdout
    assert "PRIVATE KEY" in private_key
    listed = cloud.json("keypair", "list")
    assert [k["Name"] for k in listed] == ["osc-key"]
    assert len(listed[0]["Fingerprint"].split(":")) == 16
    assert cloud.json("keypair", "list", admin=True) == []  # key pairs are per user
    cloud.run("keypair", "delete", "osc-key")
    assert cloud.json("keypair", "list") == []


def test_quota_show(cloud):
    limits = {
        row["Resource"]: row["Limit"] for row in cloud.json("quota", "show", "--compute", PROJECT)
    }
    assert (limits["instances"], limits["cores"], limits["ram"]) == (10, 20, 51200)
    assert (limits["key-pairs"], limits["server-groups"], limits["properties"]) == (100, 10, 128)
    assert (limits["floating_ips"], limits["fixed_ips"]) == (10, -1)  # 2.1 still shows them
    cloud.run("quota", "set", "--instances", "25", PROJECT, admin=True)
    limits = {
        row["Resource"]: row["Limit"] for row in cloud.json("quota", "show", "--compute", PROJECT)
    }
    assert limits["instances"] == 25


def test_compute_service_list(cloud):
    services = cloud.json("compute", "service", "list", admin=True)
    rows = {(s["Host"], s["Binary"]): s for s in services}
    assert set(rows) == {
        ("compute1", "nova-compute"),
        ("compute2", "nova-compute"),
        ("controller", "nova-conductor"),
    }
    assert rows[("compute1", "nova-compute")]["Zone"] == "nova"
    assert rows[("controller", "nova-conductor")]["Zone"] == "internal"
    assert {s["State"] for s in services} == {"up"}
    assert {s["Status"] for s in services} == {"enabled"}


def test_hypervisor_list(cloud):
    hypervisors = cloud.json("hypervisor", "list", admin=True)
    assert sorted(h["Hypervisor Hostname"] for h in hypervisors) == [
        "compute1.example",
        "compute2.example",
    ]
    assert {h["State"] for h in hypervisors} == {"up"}


def test_aggregate_create_and_add_host(cloud):
    created = cloud.json("aggregate", "create", "--zone", "az1", "rack1", admin=True)
    assert (created["name"], created["availability_zone"]) == ("rack1", "az1")
    cloud.run("aggregate", "add", "host", "rack1", "compute1", admin=True)
    shown = cloud.json("aggregate", "show", "rack1", admin=True)
    assert shown["hosts"] == ["compute1"]
    zones = {z["Zone Name"] for z in cloud.json("availability", "zone", "list", "--compute")}
    assert {"az1", "nova"} <= zones


def test_server_group_create(cloud):
    group = cloud.json("server", "group", "create", "--policy", "anti-affinity", "osc-group")
    assert (group["name"], group["policies"], group["members"]) == (
        "osc-group",
        ["anti-affinity"],
        [],
    )
    listed = cloud.json("server", "group", "list")
    assert [g["Name"] for g in listed] == ["osc-group"]
    cloud.run("server", "group", "delete", "osc-group")
    assert cloud.json("server", "group", "list") == []
