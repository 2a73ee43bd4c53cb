"""A cinder-api paste app on a migrated SQLite database, for the API tests.

``api.call(path, method, body, token, version)`` sends a request to ``/v3/<project>``
of the token (noauth2's ``user:project``; ``admin`` is the admin).  The RPC APIs are
recorders: ``api.casts`` lists ``(method, kwargs)`` sent to cinder-scheduler and
cinder-volume, and ``api.replies`` holds what a call returns.
"""

from __future__ import annotations

import datetime
import inspect
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import webob

import blockstorage.conf  # noqa: F401  registers the block storage options
from blockstorage import objects, orchestration
from blockstorage.api import common as api_common
from blockstorage.db import api as db_api
from blockstorage.scheduler.rpcapi import SchedulerAPI
from blockstorage.volume.rpcapi import VolumeAPI
from common.context import RequestContext, get_admin_context
from common.db import migration
from tests.unit.common.wsgi import fakes

PROJECT = "a1b2c3d4"
OTHER_PROJECT = "e5f6a7b8"
ALICE = f"alice:{PROJECT}"
BOB = f"bob:{OTHER_PROJECT}"
ADMIN = "admin:admin"


class Recorder:
    """Stands for an rpcapi client: records each method called with its arguments
    (bound to the real method's parameter names)."""

    def __init__(self, name: str, api: Api, real: type) -> None:
        self.name = name
        self.api = api
        self.real = real

    def __getattr__(self, method: str) -> Any:
        signature = inspect.signature(getattr(self.real, method))

        def record(ctxt: Any, *args: Any, **kwargs: Any) -> Any:
            bound = signature.bind(None, ctxt, *args, **kwargs)
            bound.apply_defaults()
            named = {k: v for k, v in bound.arguments.items() if k not in ("self", "ctxt")}
            self.api.casts.append((f"{self.name}.{method}", args, named))
            reply = self.api.replies.get(method)
            if isinstance(reply, Exception):
                raise reply
            return reply(*args, **kwargs) if callable(reply) else reply

        return record


class Api:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.admin = get_admin_context()
        self.casts: list[tuple[str, tuple, dict]] = []
        self.replies: dict[str, Any] = {}

    def call(
        self,
        path: str,
        method: str = "GET",
        body: Any = None,
        token: str = ALICE,
        version: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> webob.Response:
        project = token.partition(":")[2] or token
        all_headers = dict(headers or {})
        if version:
            all_headers["OpenStack-API-Version"] = f"volume {version}"
        return fakes.call(
            self.app, f"/v3/{project}{path}", method, body, token=token, headers=all_headers
        )

    def sent(self, method: str) -> list[dict[str, Any]]:
        return [kwargs for name, _args, kwargs in self.casts if name.endswith("." + method)]

    # -- seeding --------------------------------------------------------------------------
    def service(
        self, host: str = "node1@file", zone: str = "nova", up: bool = True, disabled: bool = False
    ) -> Any:
        now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
        svc = objects.Service(
            self.admin,
            uuid=str(uuid.uuid4()),
            host=host,
            binary="cinder-volume",
            topic="cinder-volume",
            availability_zone=zone,
            disabled=disabled,
            report_count=1,
        )
        svc.create()
        if not up:
            db_api.service_update(
                self.admin, svc.id, {"updated_at": now - datetime.timedelta(hours=1)}
            )
        return svc

    def volume(
        self,
        project_id: str = PROJECT,
        status: str = "available",
        size: int = 1,
        host: str | None = "node1@file#file",
        **values: Any,
    ) -> Any:
        ctxt = RequestContext(user_id="alice", project_id=project_id)
        vtype = objects.VolumeType.get_by_name(self.admin, "__DEFAULT__")
        volume = objects.Volume(
            ctxt,
            user_id="alice",
            project_id=project_id,
            size=size,
            status=status,
            attach_status=values.pop("attach_status", "detached"),
            availability_zone=values.pop("availability_zone", "nova"),
            host=host,
            display_name=values.pop("display_name", "vol"),
            volume_type_id=vtype.id,
            volume_type=vtype,
            **values,
        )
        volume.create()
        return volume

    def snapshot(self, volume: Any, status: str = "available", **values: Any) -> Any:
        snap = objects.Snapshot(
            RequestContext(user_id="alice", project_id=volume.project_id),
            user_id="alice",
            project_id=volume.project_id,
            volume_id=volume.id,
            volume_size=volume.size,
            volume_type_id=volume.volume_type_id,
            status=status,
            display_name=values.pop("display_name", "snap"),
            **values,
        )
        snap.create()
        return snap


@pytest.fixture(name="api")
def api_fixture(tmp_path, monkeypatch) -> Iterator[Api]:
    url = f"sqlite:///{tmp_path}/cinder.sqlite"
    migration.db_sync(url, "migrations.blockstorage")
    db_api.configure(url)
    try:
        with fakes.configured("cinder", "[DEFAULT]\nauth_strategy = noauth2\n", tmp_path):
            api = Api(fakes.load("osapi_volume"))
            volume_api = orchestration.API()
            volume_api._scheduler_rpcapi = Recorder("scheduler", api, SchedulerAPI)
            volume_api._volume_rpcapi = Recorder("volume", api, VolumeAPI)
            monkeypatch.setattr(api_common, "volume_api", lambda: volume_api)
            yield api
    finally:
        db_api.reset_facade()


def fault(resp: webob.Response, code: int) -> str:
    """The message of the OpenStack fault ``resp`` (checking its code and shape)."""
    assert resp.status_int == code, resp.body
    name, details = fakes.fault(resp)
    return details["message"]
