"""A nova-api paste app on a migrated SQLite database, for the resource API tests.

Import ``api_fixture`` into a test module (it provides the ``api`` fixture)
and call ``api.call(path, method, body, token)``; tokens are noauth2's ``user:project``
(``admin`` is the admin).
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import webob

import compute.conf  # noqa: F401  registers the compute options
from common.context import RequestContext, get_admin_context
from common.db import migration
from compute import objects
from compute.db import api as db_api
from tests.unit.common.wsgi import fakes

PROJECT = "a1b2c3d4"  # hex, so it may appear in URLs as a project id
OTHER_PROJECT = "e5f6a7b8"
ALICE = f"alice:{PROJECT}"
CAROL = f"carol:{PROJECT}"  # same project, another user
BOB = f"bob:{OTHER_PROJECT}"
ADMIN = "admin"


class Api:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.admin = get_admin_context()

    def call(
        self,
        path: str,
        method: str = "GET",
        body: Any = None,
        token: str = ALICE,
        headers: dict[str, str] | None = None,
    ) -> webob.Response:
        return fakes.call(self.app, "/v2.1" + path, method, body, token=token, headers=headers)

    # -- seeding --------------------------------------------------------------------------
    def flavor(self, flavorid: str, name: str | None = None, **values: Any) -> Any:
        fields = {
            "flavorid": flavorid,
            "name": name or f"m1.{flavorid}",
            "memory_mb": 512,
            "vcpus": 1,
            "root_gb": 1,
            "ephemeral_gb": 0,
            "swap": 0,
            "rxtx_factor": 1.0,
            "is_public": True,
            "disabled": False,
            **values,
        }
        flavor = objects.Flavor(context=self.admin, **fields)
        flavor.create()
        return flavor

    def service(
        self, host: str, binary: str = "nova-compute", up: bool = True, disabled: bool = False
    ) -> Any:
        now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
        seen = now if up else now - datetime.timedelta(hours=1)
        service = objects.Service(
            context=self.admin,
            uuid=str(uuid.uuid4()),
            host=host,
            binary=binary,
            topic=binary.replace("nova-", ""),
            disabled=disabled,
            last_seen_up=seen,
        )
        service.create()
        return service

    def node(self, host: str, nodename: str | None = None, **values: Any) -> Any:
        fields = {
            "uuid": str(uuid.uuid4()),
            "host": host,
            "hypervisor_hostname": nodename or host,
            "vcpus": 4,
            "memory_mb": 8192,
            "local_gb": 100,
            "vcpus_used": 1,
            "memory_mb_used": 512,
            "local_gb_used": 1,
            "free_ram_mb": 7680,
            "free_disk_gb": 99,
            "running_vms": 1,
            "hypervisor_type": "fake",
            "hypervisor_version": 1000,
            "cpu_info": '{"arch": "x86_64"}',
            "disk_available_least": 90,
            "current_workload": 0,
            "host_ip": "192.0.2.10",
            **values,
        }
        node = objects.ComputeNode(context=self.admin, **fields)
        node.create()
        return node

    def server(
        self, project_id: str = PROJECT, host: str | None = None, node: str | None = None, **kw: Any
    ) -> Any:
        ctxt = RequestContext(user_id="alice", project_id=project_id, is_admin=True)
        instance = objects.Instance(
            context=ctxt,
            uuid=str(uuid.uuid4()),
            user_id=kw.pop("user_id", "alice"),
            project_id=project_id,
            display_name=kw.pop("display_name", "vm"),
            host=host,
            node=node or host,
            vm_state="active",
            power_state=1,
            memory_mb=kw.pop("memory_mb", 512),
            vcpus=kw.pop("vcpus", 1),
            root_gb=1,
            ephemeral_gb=0,
            **kw,
        )
        instance.create()
        return instance


@pytest.fixture(name="api")
def api_fixture(tmp_path) -> Iterator[Api]:
    url = f"sqlite:///{tmp_path}/nova.sqlite"
    migration.db_sync(url, "migrations.compute")
    db_api.configure(url)
    admin = get_admin_context()
    # ``db sync`` seeds devstack's flavors; the tests make their own.
    for flavor in objects.FlavorList.get_all(admin, filters={"is_public": None}):
        flavor.destroy()
    try:
        with fakes.configured("nova", "[api]\nauth_strategy = noauth2\n", tmp_path):
            yield Api(fakes.load("osapi_compute"))
    finally:
        db_api.reset_facade()


def fault(resp: webob.Response, code: int) -> str:
    """The fault message, after checking the status and the fault body's shape."""
    assert resp.status_int == code, (resp.status, resp.text)
    return fakes.fault(resp)[1]["message"]


def policy_message(rule: str) -> str:
    return f"Policy doesn't allow {rule} to be performed."
