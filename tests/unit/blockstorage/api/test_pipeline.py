"""The cinder-api paste pipelines as a client sees them (webob requests, no server)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import blockstorage.conf  # noqa: F401  registers auth_strategy
from blockstorage.api import router
from common.wsgi.resource import Controller, response
from tests.unit.common.wsgi import fakes


class VolumesController(Controller):
    def index(self, req: Any) -> dict[str, Any]:
        return {"volumes": [], "project": req.context.project_id, "admin": req.context.is_admin}

    @response(202)
    def create(self, req: Any, body: dict[str, Any]) -> dict[str, Any]:
        return {"volume": body["volume"]}

    def show(self, req: Any, id: str) -> dict[str, Any]:
        raise RuntimeError("driver exploded with secret")


TEST_ROUTES = [
    ("/volumes", {"GET": (VolumesController, "index"), "POST": (VolumesController, "create")}),
    ("/volumes/{id}", {"GET": (VolumesController, "show")}),
]


def _app(monkeypatch, tmp_path, strategy: str) -> Iterator[Any]:
    monkeypatch.setattr(router, "ROUTES", [*TEST_ROUTES, *router.ROUTES])
    with fakes.configured("cinder", f"[DEFAULT]\nauth_strategy = {strategy}\n", tmp_path):
        yield fakes.load("osapi_volume")


@pytest.fixture
def cinder_app(monkeypatch, tmp_path) -> Iterator[Any]:
    yield from _app(monkeypatch, tmp_path, "noauth2")


def _check_versions(body: dict[str, Any]) -> None:
    (version,) = body["versions"]
    assert version["id"] == "v3.0"
    assert version["status"] == "CURRENT"
    assert (version["min_version"], version["version"]) == ("3.0", "3.27")
    assert version["media-types"] == [
        {"base": "application/json", "type": "application/vnd.openstack.volume+json;version=3"}
    ]
    assert {"rel": "self", "href": "http://localhost/v3/"} in version["links"]
    assert version["links"][0]["rel"] == "describedby"


def test_root_is_multiple_choices(cinder_app):
    resp = fakes.call(cinder_app, "/", token=None)
    assert resp.status_int == 300
    _check_versions(resp.json)
    assert resp.headers["x-openstack-request-id"].startswith("req-")


@pytest.mark.parametrize("path", ["/v3", "/v3/"])
def test_v3_lists_its_version(cinder_app, path):
    resp = fakes.call(cinder_app, path, token=None)
    assert resp.status_int == 200
    _check_versions(resp.json)
    assert resp.headers["OpenStack-API-Version"] == "volume 3.0"


def test_project_id_required_in_url(cinder_app):
    resp = fakes.call(cinder_app, "/v3/demo/volumes", token="demo:demo")
    assert resp.status_int == 200
    assert resp.json["project"] == "demo"
    assert fakes.call(cinder_app, "/v3/volumes", token="demo:demo").status_int == 404


def test_faults(cinder_app):
    bad_json = fakes.call(cinder_app, "/v3/demo/volumes", "POST", raw=b"{nope")
    assert (bad_json.status_int, fakes.fault(bad_json)[0]) == (400, "badRequest")
    wrong_method = fakes.call(cinder_app, "/v3/demo/volumes", "DELETE")
    assert (wrong_method.status_int, fakes.fault(wrong_method)[0]) == (405, "badMethod")
    unknown = fakes.call(cinder_app, "/v3/demo/nothing")
    assert (unknown.status_int, fakes.fault(unknown)[0]) == (404, "itemNotFound")
    version = fakes.call(
        cinder_app, "/v3/demo/volumes", headers={"OpenStack-API-Version": "volume 3.70"}
    )
    assert version.status_int == 406
    crash = fakes.call(cinder_app, "/v3/demo/volumes/1")
    assert (crash.status_int, fakes.fault(crash)[0]) == (500, "computeFault")
    assert "secret" not in crash.text


def test_noauth_makes_everyone_admin(monkeypatch, tmp_path):
    for app in _app(monkeypatch, tmp_path, "noauth"):
        assert fakes.call(app, "/v3/demo/volumes", token="demo:demo").json["admin"] is True


def test_noauth2_admin_only_for_admin_user(cinder_app):
    assert fakes.call(cinder_app, "/v3/demo/volumes", token="demo:demo").json["admin"] is False
    assert fakes.call(cinder_app, "/v3/admin/volumes", token="admin").json["admin"] is True
