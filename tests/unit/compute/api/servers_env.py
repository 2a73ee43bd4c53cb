"""A small cloud for the servers API tests: the nova-api paste pipeline (noauth2), the
objects on a migrated SQLite database, a local image store, and recorders standing in for
nova-conductor and nova-compute on the in-memory bus, so every RPC cast the API makes is
seen as a message on its topic."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import compute.conf  # noqa: F401  registers the options
from common import rpc
from common.context import RequestContext, get_admin_context
from common.db import migration
from common.objects.serializer import ObjectSerializer
from compute import objects
from compute.api.openstack import server_actions
from compute.db import api as db_api
from compute.image import local
from tests.unit.common.wsgi import fakes

ALICE = "alice:0a11ce"  # project member (projects are hex, so they may appear in URLs)
CAROL = "carol:0a11ce"  # another user of the same project
BOB = "bob:0b0b"  # another project
ADMIN = "admin:0ad"
ALICE_CTXT = RequestContext(user_id="alice", project_id="0a11ce", roles=["member", "reader"])
CASTS_WAIT = 5.0
COMPUTE_HOSTS = ("compute0", "compute1")  # hosts whose casts the compute recorder takes


class Recorder:
    """An RPC endpoint that records every method called on it."""

    def __init__(self, namespace: str | None, version: str) -> None:
        self.target = rpc.Target(namespace=namespace, version=version)
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)

        def record(ctxt: Any, **kwargs: Any) -> None:
            with self.lock:
                self.calls.append((name, kwargs))

        return record

    def wait_for(self, method: str, count: int = 1) -> list[dict[str, Any]]:
        deadline = time.monotonic() + CASTS_WAIT
        while time.monotonic() < deadline:
            with self.lock:
                found = [kw for name, kw in self.calls if name == method]
            if len(found) >= count:
                return found
            time.sleep(0.02)
        raise AssertionError(f"no {method} cast arrived; saw {[n for n, _ in self.calls]}")

    def names(self) -> list[str]:
        with self.lock:
            return [name for name, _ in self.calls]


class Cloud:
    def __init__(self, app: Any, store: local.LocalImageService, image: dict[str, Any]) -> None:
        self.app = app
        self.store = store
        self.image = image
        self.conductor = Recorder("compute_task", "1.0")
        self.compute = Recorder(None, "1.1")

    # -- HTTP ------------------------------------------------------------------------------
    def request(
        self, method: str, path: str, body: Any = None, token: str = ALICE, **kwargs: Any
    ) -> Any:
        return fakes.call(self.app, "/v2.1" + path, method=method, body=body, token=token, **kwargs)

    def get(self, path: str, token: str = ALICE, **kwargs: Any) -> Any:
        return self.request("GET", path, token=token, **kwargs)

    def post(self, path: str, body: Any, token: str = ALICE, **kwargs: Any) -> Any:
        return self.request("POST", path, body, token=token, **kwargs)

    def action(self, server_id: str, body: Any, token: str = ALICE) -> Any:
        return self.post(f"/servers/{server_id}/action", body, token=token)

    def boot(self, token: str = ALICE, **server: Any) -> str:
        body = {"name": "vm", "flavorRef": "1", "imageRef": self.image["id"], **server}
        res = self.post("/servers", {"server": body}, token=token)
        assert res.status_int == 202, res.body
        return res.json["server"]["id"]

    # -- what the compute host would have done -------------------------------------------
    def set_state(self, server_id: str, **values: Any) -> objects.Instance:
        """Put a server in a state as if a compute host had (defaults: ACTIVE on
        compute1, launched)."""
        ctxt = get_admin_context()
        instance = objects.Instance.get_by_uuid(ctxt, server_id)
        defaults = {
            "vm_state": "active",
            "task_state": None,
            "power_state": 1,
            "host": "compute1",
            "node": "compute1",
            "launched_at": instance.created_at,
        }
        for name, value in {**defaults, **values}.items():
            setattr(instance, name, value)
        instance.save()
        return instance

    def instance(self, server_id: str) -> objects.Instance:
        ctxt = get_admin_context(read_deleted="yes")
        return objects.Instance.get_by_uuid(ctxt, server_id, expected_attrs=["metadata"])

    def add_compute_service(self, host: str = "compute1", up: bool = True) -> None:
        from common.service.servicegroup import utcnow

        service = objects.Service(
            get_admin_context(),
            host=host,
            binary="nova-compute",
            topic="compute",
            last_seen_up=utcnow() if up else None,
            forced_down=not up,
        )
        service.create()


def make_cloud(tmp_path: Any) -> Iterator[Cloud]:
    """The body of each test module's ``cloud`` fixture (``yield from make_cloud(...)``)."""
    url = f"sqlite:///{tmp_path / 'nova.sqlite'}"
    config = (
        f"[DEFAULT]\nstate_path = {tmp_path}\ntransport_url = memory://\n"
        f"[api]\nauth_strategy = noauth2\n[database]\nconnection = {url}\n"
    )
    with fakes.configured("nova", config, tmp_path):
        migration.db_sync(url, db_api.MIGRATIONS)
        db_api.configure(url, max_retries=0)
        store = local.LocalImageService(tmp_path / "images")
        image = store.create(
            get_admin_context(),
            {
                "name": "cirros",
                "disk_format": "raw",
                "container_format": "bare",
                "visibility": "public",
                "properties": {"os_distro": "cirros"},
            },
            data=b"\0" * 4096,
        )
        server_actions.reset_compute_api()
        cloud = Cloud(fakes.load("osapi_compute"), store, image)
        # A topic of our own on the process-wide memory broker.
        suffix = uuid.uuid4().hex[:8]
        api = server_actions.compute_api()
        api.compute_task_api.client = api.compute_task_api.client.prepare(
            topic=f"conductor_{suffix}"
        )
        api.compute_rpcapi.client = api.compute_rpcapi.client.prepare(topic=f"compute_{suffix}")
        transport = rpc.get_transport("memory://")
        servers = [
            rpc.RPCServer(
                transport,
                rpc.Target(topic=f"conductor_{suffix}", server="c"),
                [cloud.conductor],
                serializer=ObjectSerializer(),
            ),
            *(
                rpc.RPCServer(
                    transport,
                    rpc.Target(topic=f"compute_{suffix}", server=host),
                    [cloud.compute],
                    serializer=ObjectSerializer(),
                )
                for host in COMPUTE_HOSTS
            ),
        ]
        for server in servers:
            server.start()
        try:
            yield cloud
        finally:
            for server in servers:
                server.stop()
                server.wait()
            rpc.cleanup()
            server_actions.reset_compute_api()
            db_api.reset_facade()
