"""nova-api with ``auth_strategy = keystone`` behind a real Keystone (keystone from PyPI).

keystonemiddleware's auth_token validates every token against Keystone as the ``nova``
service user; the request context carries the caller's Keystone user, project and
roles.  Unmodified clients (python-openstackclient, openstacksdk) authenticate with a
password and find nova-api through the Keystone catalog, as on a real cloud.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.functional.daemons import Daemon, free_port, run_cli, wait_for, write_config
from tests.functional.keystone_server import KeystoneServer

REPO = Path(__file__).resolve().parents[2]
OPENSTACK = str(Path(sys.executable).parent / "openstack")
UNAUTHENTICATED = "The request you have made requires authentication."


class NovaAPI:
    """A nova-api's URL and the clouds.yaml that reaches it through Keystone."""

    def __init__(self, port: int, clouds: Path) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.clouds = clouds

    def get(self, path: str, token: str | None = None, **headers: str) -> requests.Response:
        if token is not None:
            headers["X-Auth-Token"] = token
        return requests.get(self.url + path, headers=headers, timeout=30)

    def openstack(self, cloud: str, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [OPENSTACK, "--os-cloud", cloud, *args],
            capture_output=True,
            text=True,
            env={**os.environ, "OS_CLIENT_CONFIG_FILE": str(self.clouds)},
            timeout=120,
            stdin=subprocess.DEVNULL,
        )

    def openstack_json(self, cloud: str, *args: str) -> Any:
        result = self.openstack(cloud, *args, "-f", "json")
        assert result.returncode == 0, f"openstack {' '.join(args)}:\n{result.stderr}"
        return json.loads(result.stdout)


def start_nova_api(
    tmp_path: Path, authtoken: dict[str, Any], database: str | None = None
) -> tuple[Daemon, int]:
    """nova-api (one worker) with ``[api] auth_strategy = keystone``."""
    port = free_port()
    sections: dict[str, dict[str, Any]] = {
        "DEFAULT": {
            "state_path": tmp_path / "state",
            "osapi_compute_listen": "127.0.0.1",
            "osapi_compute_listen_port": port,
            "osapi_compute_workers": 1,
            "service_down_time": 3600,
        },
        "api": {"auth_strategy": "keystone"},
        "keystone_authtoken": authtoken,
    }
    if database:
        sections["database"] = {"connection": database}
    config = write_config(tmp_path / "nova.conf", sections)
    if database:
        synced = run_cli("nova-manage", config, "db", "sync")
        assert synced.returncode == 0, synced.stderr
    daemon = Daemon("nova-api", config, tmp_path, env={"PYTHONPATH": str(REPO)})

    def answers() -> bool:
        if daemon.proc.poll() is not None:
            raise AssertionError(f"nova-api exited early:\n{daemon.log()}")
        try:
            return requests.get(f"http://127.0.0.1:{port}/", timeout=2).status_code == 200
        except requests.ConnectionError:
            return False

    wait_for(answers, timeout=30, interval=0.1, what="nova-api to answer")
    return daemon, port


@pytest.fixture(scope="module")
def nova_api(keystone: KeystoneServer, tmp_path_factory) -> Iterator[NovaAPI]:
    tmp_path = tmp_path_factory.mktemp("nova-keystone")
    database = f"sqlite:///{tmp_path / 'nova.sqlite'}"
    daemon, port = start_nova_api(tmp_path, keystone.authtoken_options(), database)
    clouds = keystone.clouds_yaml(tmp_path / "clouds.yaml", port)
    yield NovaAPI(port, clouds)
    daemon.stop()


@pytest.fixture(scope="module")
def demo_token(keystone: KeystoneServer) -> str:
    return keystone.token("demo")


def _assert_unauthorized(resp: requests.Response, keystone: KeystoneServer) -> None:
    assert resp.status_code == 401, resp.text
    assert resp.headers["Content-Type"].startswith("application/json")
    assert resp.json()["error"]["code"] == 401
    assert resp.json()["error"]["message"] == UNAUTHENTICATED
    assert resp.headers["WWW-Authenticate"] == f'Keystone uri="{keystone.auth_url}"'


# -- tokens -----------------------------------------------------------------------------


def test_request_without_token_is_refused_with_keystone_uri(nova_api, keystone):
    _assert_unauthorized(nova_api.get("/v2.1/flavors"), keystone)
    # Version discovery stays open: clients read it before they authenticate.
    assert nova_api.get("/").status_code == 200
    assert nova_api.get("/v2.1").json()["version"]["id"] == "v2.1"


def test_bad_and_revoked_tokens_are_refused(nova_api, keystone):
    _assert_unauthorized(nova_api.get("/v2.1/flavors", token="not-a-token"), keystone)
    # A well-formed token of another Keystone's keys is no better.
    forged = "gAAAAAB" + "A" * 180
    _assert_unauthorized(nova_api.get("/v2.1/flavors", token=forged), keystone)
    revoked = keystone.token("demo")
    keystone.revoke(revoked)
    _assert_unauthorized(nova_api.get("/v2.1/flavors", token=revoked), keystone)


def test_demo_token_reaches_the_api_as_its_keystone_user_and_project(
    nova_api, keystone, demo_token
):
    version = nova_api.get("/v2.1", token=demo_token)
    assert version.status_code == 200
    assert version.json()["version"]["status"] == "CURRENT"

    flavors = nova_api.get("/v2.1/flavors", token=demo_token)
    assert flavors.status_code == 200
    assert "m1.tiny" in {f["name"] for f in flavors.json()["flavors"]}

    demo_project = keystone.projects["demo"]
    own = nova_api.get(f"/v2.1/os-quota-sets/{demo_project}", token=demo_token)
    assert own.status_code == 200, own.text
    assert own.json()["quota_set"]["id"] == demo_project
    other = nova_api.get(f"/v2.1/os-quota-sets/{keystone.projects['alt_demo']}", token=demo_token)
    assert other.status_code == 403
    assert other.json()["forbidden"]["code"] == 403

    created = requests.post(
        nova_api.url + "/v2.1/os-keypairs",
        json={"keypair": {"name": "demo-key"}},
        headers={"X-Auth-Token": demo_token},
        timeout=30,
    )
    assert created.status_code == 200, created.text
    assert created.json()["keypair"]["user_id"] == keystone.users["demo"]
    alt_token = keystone.token("alt_demo")
    assert nova_api.get("/v2.1/os-keypairs/demo-key", token=alt_token).status_code == 404
    assert nova_api.get("/v2.1/os-keypairs", token=alt_token).json()["keypairs"] == []
    shown = nova_api.get("/v2.1/os-keypairs/demo-key", token=demo_token)
    assert shown.json()["keypair"]["user_id"] == keystone.users["demo"]


def test_admin_only_endpoints_refuse_demo_and_admit_admin(nova_api, keystone, demo_token):
    admin_token = keystone.token("admin")
    for path in ("/v2.1/os-services", "/v2.1/os-hypervisors"):
        refused = nova_api.get(path, token=demo_token)
        assert refused.status_code == 403, path
        assert refused.json()["forbidden"]["code"] == 403
        assert nova_api.get(path, token=admin_token).status_code == 200, path


# -- unmodified clients -----------------------------------------------------------------


def test_openstackclient_authenticates_with_keystone_and_uses_the_catalog(nova_api, keystone):
    flavors = nova_api.openstack_json("ks-demo", "flavor", "list")
    assert "m1.tiny" in {f["Name"] for f in flavors}

    versions = nova_api.openstack_json("ks-demo", "versions", "show", "--service", "compute")
    assert {(v["Version"], v["Status"]) for v in versions} >= {("2.1", "CURRENT")}
    # Found through the catalog: the compute endpoint Keystone names is this nova-api.
    assert all(v["Endpoint"].startswith(f"{nova_api.url}/") for v in versions), versions

    refused = nova_api.openstack("ks-demo", "compute", "service", "list")
    assert refused.returncode != 0
    assert "ForbiddenException: 403" in refused.stderr
    assert "os_compute_api:os-services:list" in refused.stderr
    services = nova_api.openstack_json("ks-admin", "compute", "service", "list")
    assert isinstance(services, list)


def test_openstacksdk_authenticates_with_keystone_and_uses_the_catalog(
    nova_api, keystone, monkeypatch
):
    import openstack
    from openstack import exceptions

    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(nova_api.clouds))
    conn = openstack.connect(cloud="ks-demo")
    try:
        assert conn.current_project_id == keystone.projects["demo"]
        assert conn.compute.get_endpoint() == f"{nova_api.url}/v2.1"
        assert "m1.tiny" in {f.name for f in conn.compute.flavors()}
        assert list(conn.compute.servers()) == []
        with pytest.raises(exceptions.ForbiddenException):
            list(conn.compute.services())
    finally:
        conn.close()
    admin = openstack.connect(cloud="ks-admin")
    try:
        assert isinstance(list(admin.compute.services()), list)
    finally:
        admin.close()


# -- keystonemiddleware configured without www_authenticate_uri ------------------------


@pytest.mark.parametrize("setup", ["discovered", "unreachable", "no_auth_plugin"])
def test_without_www_authenticate_uri_a_missing_token_is_still_401(keystone, tmp_path, setup):
    """keystonemiddleware then asks its auth plugin where clients should authenticate.

    With no plugin configured that used to raise (a 500); the answer stays a 401 JSON
    with a WWW-Authenticate header, and the log says what is missing.
    """
    expected = keystone.auth_url
    options = keystone.authtoken_options(www_authenticate_uri=None)
    if setup == "unreachable":
        expected = f"http://127.0.0.1:{free_port()}/v3"
        options["auth_url"] = expected
    elif setup == "no_auth_plugin":
        expected = ""
        options = {"memcached_servers": ""}
    daemon, port = start_nova_api(tmp_path, options)
    try:
        resp = requests.get(f"http://127.0.0.1:{port}/v2.1/flavors", timeout=30)
        assert resp.status_code == 401, f"{resp.text}\n{daemon.log()}"
        assert resp.json()["error"]["code"] == 401
        assert resp.json()["error"]["message"] == UNAUTHENTICATED
        assert resp.headers["WWW-Authenticate"] == f'Keystone uri="{expected}"'
        if setup == "no_auth_plugin":
            assert "sets no auth_type" in daemon.log()
    finally:
        daemon.stop()


# -- the boot path through Keystone -----------------------------------------------------


class KeystoneCloud:
    """nova-api (keystone auth), conductor, scheduler and one fake compute host."""

    def __init__(self, tmp_path: Path, keystone: KeystoneServer, db_url: str, transport: str):
        self.tmp = tmp_path
        self.port = free_port()
        state = tmp_path / "state"
        common = {
            "transport_url": transport,
            "report_interval": 1,
            "service_down_time": 10,
            "graceful_shutdown_timeout": 5,
        }
        self.conf = write_config(
            tmp_path / "nova.conf",
            {
                "DEFAULT": {
                    **common,
                    "host": "controller",
                    "state_path": state,
                    "osapi_compute_listen": "127.0.0.1",
                    "osapi_compute_listen_port": self.port,
                    "osapi_compute_workers": 1,
                },
                "api": {"auth_strategy": "keystone"},
                "keystone_authtoken": keystone.authtoken_options(),
                "database": {"connection": db_url},
                "image": {"local_store_path": state / "images"},
            },
        )
        self.compute_conf = write_config(
            tmp_path / "compute1.conf",
            {
                "DEFAULT": {
                    **common,
                    "host": "compute1",
                    "state_path": tmp_path / "compute1",
                    "compute_driver": "fake.FakeDriver",
                },
                "fake_driver": {"spawn_delay": 0.2},
            },
        )
        clouds = keystone.clouds_yaml(tmp_path / "clouds.yaml", self.port)
        self.api = NovaAPI(self.port, clouds)
        self.daemons: list[Daemon] = []

    def start(self) -> None:
        synced = run_cli("nova-manage", self.conf, "db", "sync")
        assert synced.returncode == 0, synced.stderr
        image = self.tmp / "tiny.img"
        image.write_bytes(b"\0" * 65536)
        imported = run_cli(
            "nova-manage",
            self.conf,
            "image",
            "import",
            str(image),
            "--name",
            "novella-tiny",
            "--disk-format",
            "raw",
            "--public",
        )
        assert imported.returncode == 0, imported.stderr
        for name in ("nova-conductor", "nova-scheduler", "nova-api"):
            self.daemons.append(Daemon(name, self.conf, self.tmp))
        self.daemons.append(Daemon("nova-compute", self.compute_conf, self.tmp))
        wait_for(self._all_up, timeout=60, what="conductor, scheduler and compute1 up")

    def _all_up(self) -> bool:
        listed = run_cli("nova-manage", self.conf, "service", "list").stdout
        return sum("| up " in line for line in listed.splitlines()) == 3

    def logs(self) -> str:
        return "\n".join(f"==== {d.name}\n{d.log()[-3000:]}" for d in self.daemons)

    def stop(self) -> None:
        for daemon in reversed(self.daemons):
            daemon.stop()


@pytest.fixture
def keystone_cloud(keystone, tmp_path, fresh_database, rabbit_vhost_url):
    cloud = KeystoneCloud(tmp_path, keystone, fresh_database("mysql"), rabbit_vhost_url)
    try:
        cloud.start()
        yield cloud
    finally:
        cloud.stop()


def test_boot_a_server_through_keystone_with_openstackclient(keystone_cloud, keystone):
    api = keystone_cloud.api
    private_key = keystone_cloud.tmp / "demo-key.pem"
    keypair = api.openstack_json(
        "ks-demo", "keypair", "create", "--private-key", str(private_key), "demo-key"
    )
    assert keypair["user_id"] == keystone.users["demo"]
    assert "PRIVATE KEY" in private_key.read_text()
    quota = api.openstack_json("ks-demo", "quota", "show")
    assert {"Resource": "instances", "Limit": 10} in quota

    created = api.openstack(
        "ks-demo",
        "server",
        "create",
        "--flavor",
        "m1.tiny",
        "--image",
        "novella-tiny",
        "--key-name",
        "demo-key",
        "--wait",
        "-f",
        "json",
        "ks-vm",
    )
    assert created.returncode == 0, f"{created.stderr}\n{keystone_cloud.logs()}"
    server = json.loads(created.stdout)
    assert server["status"] == "ACTIVE"
    assert server["project_id"] == keystone.projects["demo"]
    assert server["user_id"] == keystone.users["demo"]

    assert [s["ID"] for s in api.openstack_json("ks-demo", "server", "list")] == [server["id"]]
    alt_token = keystone.token("alt_demo")
    assert api.get("/v2.1/servers", token=alt_token).json()["servers"] == []
    assert api.get(f"/v2.1/servers/{server['id']}", token=alt_token).status_code == 404
    every = api.get("/v2.1/servers/detail?all_tenants=1", token=keystone.token("admin"))
    assert [s["tenant_id"] for s in every.json()["servers"]] == [keystone.projects["demo"]]

    deleted = api.openstack("ks-demo", "server", "delete", "--wait", server["id"])
    assert deleted.returncode == 0, deleted.stderr
    assert api.get("/v2.1/servers", token=keystone.token("demo")).json()["servers"] == []
