"""nova-api and cinder-api as real processes, checked with real HTTP clients."""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from common.wsgi.resource import Controller, response
from common.wsgi.router import PROJECT_ID_OPTIONAL, APIRouter
from compute.api.openstack import api_version
from compute.api.openstack import router as compute_router
from tests.functional.daemons import Daemon, wait_for, write_config

REPO = Path(__file__).resolve().parents[2]


class EchoController(Controller):
    """Loaded inside the nova-api under test (see ``_echo_paste``)."""

    def create(self, req: Any, body: Any) -> dict[str, Any]:
        return {"length": len(req.body), "body": body, "pid": os.getpid()}

    @response(202)
    def slow(self, req: Any, body: Any) -> dict[str, Any]:
        time.sleep(float((body or {}).get("seconds", 2)))
        return {"slept": True}


def echo_app_factory(global_conf: dict[str, str], **local_conf: str) -> APIRouter:
    routes = [
        *compute_router.ROUTES,
        ("/echo", {"POST": (EchoController, "create")}),
        ("/slow", {"POST": (EchoController, "slow")}),
    ]
    return APIRouter(routes, api_version.VERSION_INFO, PROJECT_ID_OPTIONAL)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _echo_paste(tmp_path: Path) -> Path:
    text = (REPO / "etc/nova/api-paste.ini").read_text()
    text = text.replace(
        "compute.api.openstack.router:app_factory",
        "tests.functional.test_api_servers:echo_app_factory",
    )
    path = tmp_path / "api-paste.ini"
    path.write_text(text)
    return path


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found |= {int(p) for p in (task / "children").read_text().split()}
        except OSError:
            pass
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(")")[-1].split()[0] != "Z"


class APIProcess:
    def __init__(self, daemon: Daemon, url: str) -> None:
        self.daemon = daemon
        self.url = url

    def workers(self) -> set[int]:
        return _children(self.daemon.proc.pid)


def _start(name: str, tmp_path: Path, sections: dict[str, dict[str, Any]]) -> APIProcess:
    config = write_config(tmp_path / f"{name}.conf", sections)
    env = {"PYTHONPATH": str(REPO)}
    daemon = Daemon(name, config, tmp_path, env=env)
    listen = next(v for k, v in sections["DEFAULT"].items() if k.endswith("listen_port"))
    url = f"http://127.0.0.1:{listen}"

    def answers() -> bool:
        if daemon.proc.poll() is not None:
            raise AssertionError(f"{name} exited early:\n{daemon.log()}")
        try:
            return requests.get(url + "/", timeout=2).status_code in (200, 300)
        except requests.ConnectionError:
            return False

    wait_for(answers, timeout=30, interval=0.2, what=f"{name} to answer")
    return APIProcess(daemon, url)


@pytest.fixture
def nova_api(tmp_path) -> Iterator[APIProcess]:
    port = _free_port()
    api = _start(
        "nova-api",
        tmp_path,
        {
            "DEFAULT": {
                "osapi_compute_listen": "127.0.0.1",
                "osapi_compute_listen_port": port,
                "osapi_compute_workers": 2,
                "graceful_shutdown_timeout": 8,
            },
            "api": {"auth_strategy": "noauth2"},
            "wsgi": {"api_paste_config": _echo_paste(tmp_path), "max_request_body_size": 65536},
        },
    )
    wait_for(lambda: len(api.workers()) == 2, timeout=10, what="two workers")
    yield api
    api.daemon.stop()


@pytest.fixture
def cinder_api(tmp_path) -> Iterator[APIProcess]:
    port = _free_port()
    api = _start(
        "cinder-api",
        tmp_path,
        {
            "DEFAULT": {
                "osapi_volume_listen": "127.0.0.1",
                "osapi_volume_listen_port": port,
                "osapi_volume_workers": 2,
                "auth_strategy": "noauth2",
            },
        },
    )
    wait_for(lambda: len(api.workers()) == 2, timeout=10, what="two workers")
    yield api
    api.daemon.stop()


TOKEN = {"X-Auth-Token": "demo:demo"}


def test_nova_api_version_discovery(nova_api):
    root = requests.get(nova_api.url + "/", timeout=5)
    assert root.status_code == 200
    assert root.headers["Content-Type"] == "application/json"
    assert {v["id"]: v["status"] for v in root.json()["versions"]} == {
        "v2.0": "SUPPORTED",
        "v2.1": "CURRENT",
    }
    doc = requests.get(nova_api.url + "/v2.1", timeout=5).json()["version"]
    assert doc["links"][0]["href"] == nova_api.url + "/v2.1/"

    from keystoneauth1 import discover, session

    data = discover.get_version_data(session.Session(), nova_api.url + "/v2.1")
    assert data[0]["id"] == "v2.1"

    import openstack

    conn = openstack.connect(
        auth_type="none",
        auth={"endpoint": nova_api.url + "/v2.1"},
        load_yaml_config=False,
        load_envvars=False,
    )
    endpoint = conn.compute.get_endpoint_data()
    assert endpoint.min_microversion == (2, 1)
    assert endpoint.max_microversion == (2, 1)


def test_nova_api_malformed_requests_get_json_faults(nova_api):
    cases = [
        (requests.get, "/v2.1/no/such/path", {}, 404, "itemNotFound"),
        (requests.delete, "/v2.1/echo", {}, 405, "badMethod"),
        (requests.get, "/v2.1/", {"OpenStack-API-Version": "compute 2.999"}, 406, "computeFault"),
    ]
    for method, path, headers, code, name in cases:
        resp = method(nova_api.url + path, headers={**TOKEN, **headers}, timeout=5)
        assert resp.status_code == code, path
        assert resp.headers["Content-Type"] == "application/json"
        assert resp.json()[name]["code"] == code
        assert resp.headers["x-openstack-request-id"].startswith("req-")
    bad = requests.post(
        nova_api.url + "/v2.1/echo",
        data=b'{"broken": ',
        headers={**TOKEN, "Content-Type": "application/json"},
        timeout=5,
    )
    assert bad.status_code == 400
    assert bad.json()["badRequest"]["message"] == "Malformed request body"


def test_nova_api_reads_chunked_bodies(nova_api):
    def chunks(total: int):
        payload = b'{"data": "' + b"x" * total + b'"}'
        for i in range(0, len(payload), 1000):
            yield payload[i : i + 1000]

    headers = {**TOKEN, "Content-Type": "application/json"}
    resp = requests.post(nova_api.url + "/v2.1/echo", data=chunks(5000), headers=headers, timeout=5)
    assert resp.status_code == 200, resp.text
    assert resp.json()["length"] == 5000 + len('{"data": ""}')
    assert resp.json()["body"]["data"] == "x" * 5000
    too_big = requests.post(
        nova_api.url + "/v2.1/echo", data=chunks(100000), headers=headers, timeout=5
    )
    assert too_big.status_code == 413
    assert too_big.json()["overLimit"]["code"] == 413


def test_nova_api_requests_spread_over_workers_and_dead_worker_restarted(nova_api):
    workers = nova_api.workers()
    assert len(workers) == 2
    victim = next(iter(workers))
    os.kill(victim, signal.SIGKILL)
    wait_for(
        lambda: len(nova_api.workers()) == 2 and victim not in nova_api.workers(),
        timeout=10,
        what="a replacement worker",
    )
    resp = requests.get(nova_api.url + "/v2.1", timeout=5)
    assert resp.status_code == 200


def test_nova_api_sigterm_finishes_in_flight_request_and_exits_0(nova_api):
    workers = nova_api.workers()
    result: dict[str, Any] = {}

    def slow_call() -> None:
        resp = requests.post(
            nova_api.url + "/v2.1/slow",
            json={"seconds": 2},
            headers=TOKEN,
            timeout=15,
        )
        result["status"] = resp.status_code

    thread = threading.Thread(target=slow_call)
    thread.start()
    time.sleep(0.7)  # the request is being served
    code, seconds = nova_api.daemon.terminate(timeout=10)
    thread.join(timeout=10)
    assert code == 0, nova_api.daemon.log()
    assert seconds < 10
    assert result.get("status") == 202
    assert not any(_alive(pid) for pid in workers)


def test_cinder_api_versions_faults_and_sigterm(cinder_api):
    root = requests.get(cinder_api.url + "/", timeout=5)
    assert root.status_code == 300
    assert root.json()["versions"][0]["id"] == "v3.0"
    v3 = requests.get(cinder_api.url + "/v3/", timeout=5)
    assert v3.status_code == 200
    assert v3.headers["OpenStack-API-Version"] == "volume 3.0"

    from keystoneauth1 import discover, session

    data = discover.get_version_data(session.Session(), cinder_api.url + "/")
    assert data[0]["id"] == "v3.0"

    missing = requests.get(cinder_api.url + "/v3/demo/nothing", headers=TOKEN, timeout=5)
    assert missing.status_code == 404
    assert missing.json()["itemNotFound"]["code"] == 404
    version = requests.get(
        cinder_api.url + "/v3/", headers={"OpenStack-API-Version": "volume 3.99"}, timeout=5
    )
    assert version.status_code == 406
    assert version.headers["Content-Type"] == "application/json"

    workers = cinder_api.workers()
    code, seconds = cinder_api.daemon.terminate(timeout=10)
    assert code == 0, cinder_api.daemon.log()
    assert seconds < 10
    assert not any(_alive(pid) for pid in workers)
