"""The nova-api paste pipelines as a client sees them (webob requests, no server)."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
import webob
import webob.exc
from oslo_policy import policy as oslo_policy

import compute.conf  # noqa: F401  registers [api] auth_strategy
from common import exception
from common.config import CONF
from common.wsgi import policy, validation
from common.wsgi.resource import Controller, action, response
from compute.api import policies
from compute.api.openstack import router
from tests.unit.common.wsgi import fakes

REQ_ID = re.compile(r"^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

ITEM_SCHEMA = {
    "type": "object",
    "properties": {
        "item": {
            "type": "object",
            "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 20}},
            "required": ["name"],
            "additionalProperties": False,
        }
    },
    "required": ["item"],
    "additionalProperties": False,
}


class ItemsController(Controller):
    """A stand-in for the controllers the next changes add."""

    def index(self, req: Any) -> dict[str, Any]:
        ctxt = req.context
        return {
            "user_id": ctxt.user_id,
            "project_id": ctxt.project_id,
            "roles": ctxt.roles,
            "is_admin": ctxt.is_admin,
            "request_id": ctxt.request_id,
        }

    @response(202)
    @validation.schema(ITEM_SCHEMA)
    def create(self, req: Any, body: dict[str, Any]) -> dict[str, Any]:
        return {"item": {"name": body["item"]["name"], "size": len(req.body)}}

    def show(self, req: Any, id: str) -> dict[str, Any]:
        if id == "missing":
            raise exception.NotFound("Item missing could not be found.")
        if id == "boom":
            raise ValueError("secret internal detail")
        if id == "unsafe":
            raise exception.DBNotConfigured(reason="connection string with a password")
        return {"item": {"id": id}}

    @response(204)
    def delete(self, req: Any, id: str) -> None:
        policy.authorize(req.context, "test:items:delete")

    @action("rename")
    @response(202)
    def _rename(self, req: Any, id: str, body: dict[str, Any]) -> dict[str, Any]:
        return {"renamed": id, "to": body["rename"]["name"]}


TEST_ROUTES = [
    ("/items", {"GET": (ItemsController, "index"), "POST": (ItemsController, "create")}),
    ("/items/{id}", {"GET": (ItemsController, "show"), "DELETE": (ItemsController, "delete")}),
    ("/items/{id}/action", {"POST": (ItemsController, "action")}),
]


@pytest.fixture
def nova_app(monkeypatch: pytest.MonkeyPatch, tmp_path) -> Iterator[Any]:
    monkeypatch.setattr(router, "ROUTES", [*router.ROUTES, *TEST_ROUTES])
    monkeypatch.setattr(
        policies,
        "RULES",
        [*policies.RULES, oslo_policy.RuleDefault("test:items:delete", "rule:admin_api")],
    )
    with fakes.configured("nova", "[api]\nauth_strategy = noauth2\n", tmp_path):
        yield fakes.load("osapi_compute")


# -- version documents -------------------------------------------------------------


def test_root_lists_major_versions_without_auth(nova_app):
    resp = fakes.call(nova_app, "/", token=None)
    assert resp.status_int == 200
    versions = {v["id"]: v for v in resp.json["versions"]}
    assert set(versions) == {"v2.0", "v2.1"}
    assert versions["v2.0"] == {
        "id": "v2.0",
        "status": "SUPPORTED",
        "version": "",
        "min_version": "",
        "updated": "2011-01-21T11:33:21Z",
        "links": [{"rel": "self", "href": "http://localhost/v2/"}],
    }
    assert versions["v2.1"]["status"] == "CURRENT"
    assert versions["v2.1"]["min_version"] == "2.1"
    assert versions["v2.1"]["version"] == "2.1"
    assert versions["v2.1"]["links"] == [{"rel": "self", "href": "http://localhost/v2.1/"}]


@pytest.mark.parametrize("path", ["/v2.1", "/v2.1/"])
def test_v21_version_document(nova_app, path):
    resp = fakes.call(nova_app, path, token=None)
    assert resp.status_int == 200
    doc = resp.json["version"]
    assert doc["id"] == "v2.1"
    assert doc["status"] == "CURRENT"
    assert (doc["min_version"], doc["version"]) == ("2.1", "2.1")
    assert doc["links"][0] == {"rel": "self", "href": "http://localhost/v2.1/"}
    assert {"rel": "describedby", "type": "text/html", "href": "http://docs.openstack.org/"} in doc[
        "links"
    ]
    assert doc["media-types"] == [
        {"base": "application/json", "type": "application/vnd.openstack.compute+json;version=2.1"}
    ]
    assert resp.headers["OpenStack-API-Version"] == "compute 2.1"


def test_legacy_v2_version_document(nova_app):
    doc = fakes.call(nova_app, "/v2", token=None).json["version"]
    assert doc["id"] == "v2.0"
    assert doc["status"] == "SUPPORTED"
    assert doc["links"][0]["href"] == "http://localhost/v2/"


def test_version_document_under_project_id(nova_app):
    resp = fakes.call(nova_app, "/v2.1/0123abcd", token="demo:0123abcd")
    assert resp.status_int == 200
    assert resp.json["version"]["id"] == "v2.1"


# -- malformed requests get JSON faults ------------------------------------------------


def test_malformed_json_is_bad_request(nova_app):
    resp = fakes.call(nova_app, "/v2.1/items", "POST", raw=b'{"item": {"name": ')
    assert resp.status_int == 400
    name, details = fakes.fault(resp)
    assert name == "badRequest"
    assert details["message"] == "Malformed request body"


def test_non_json_body_is_unsupported_media_type(nova_app):
    resp = fakes.call(nova_app, "/v2.1/items", "POST", raw=b"name=x", content_type="text/plain")
    assert resp.status_int == 415
    assert fakes.fault(resp)[0] == "badMediaType"


def test_schema_violation_names_the_field(nova_app):
    resp = fakes.call(nova_app, "/v2.1/items", "POST", body={"item": {"name": 5}})
    assert resp.status_int == 400
    name, details = fakes.fault(resp)
    assert name == "badRequest"
    assert details["message"].startswith("Invalid input for field/attribute item/name.")
    assert "is not of type 'string'" in details["message"]


def test_schema_missing_required_field(nova_app):
    resp = fakes.call(nova_app, "/v2.1/items", "POST", body={"item": {}})
    assert resp.status_int == 400
    assert "field/attribute item/name" in fakes.fault(resp)[1]["message"]
    assert "'name' is a required property" in resp.json["badRequest"]["message"]


def test_empty_body_on_create_is_bad_request(nova_app):
    resp = fakes.call(nova_app, "/v2.1/items", "POST")
    assert resp.status_int == 400
    assert fakes.fault(resp)[0] == "badRequest"


def test_valid_create_uses_declared_code(nova_app):
    resp = fakes.call(nova_app, "/v2.1/items", "POST", body={"item": {"name": "a"}})
    assert resp.status_int == 202
    assert resp.json["item"]["name"] == "a"


@pytest.mark.parametrize("path", ["/v2.1/no-such-thing/at-all", "/v3", "/v2.1/items/1/extra"])
def test_unknown_url_is_item_not_found(nova_app, path):
    resp = fakes.call(nova_app, path)
    assert resp.status_int == 404
    assert fakes.fault(resp)[0] == "itemNotFound"


def test_wrong_method_is_bad_method(nova_app):
    resp = fakes.call(nova_app, "/v2.1/items", "DELETE")
    assert resp.status_int == 405
    assert fakes.fault(resp)[0] == "badMethod"
    assert set(resp.headers["Allow"].split(", ")) == {"GET", "POST"}


@pytest.mark.parametrize(
    "headers",
    [
        {"OpenStack-API-Version": "compute 2.99"},
        {"X-OpenStack-Nova-API-Version": "2.99"},
        {"OpenStack-API-Version": "compute 1.0"},
    ],
)
def test_unsupported_microversion_is_not_acceptable(nova_app, headers):
    resp = fakes.call(nova_app, "/v2.1/items", headers=headers)
    assert resp.status_int == 406
    name, details = fakes.fault(resp)
    assert name == "computeFault"
    assert "Minimum is 2.1 and maximum is 2.1" in details["message"]


def test_malformed_microversion_is_bad_request(nova_app):
    resp = fakes.call(nova_app, "/v2.1/items", headers={"OpenStack-API-Version": "compute 2.x"})
    assert resp.status_int == 400
    assert "invalid format" in fakes.fault(resp)[1]["message"]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"OpenStack-API-Version": "compute latest"},
        {"OpenStack-API-Version": "volume 3.50"},  # another service's version: ignored
    ],
)
def test_microversion_headers_in_response(nova_app, headers):
    resp = fakes.call(nova_app, "/v2.1/items", headers=headers)
    assert resp.status_int == 200
    assert resp.headers["OpenStack-API-Version"] == "compute 2.1"
    assert resp.headers["X-OpenStack-Nova-API-Version"] == "2.1"
    assert "OpenStack-API-Version" in resp.headers["Vary"]


def test_body_too_large_is_over_limit(nova_app):
    CONF.set_override("max_request_body_size", 1024, group="wsgi")
    big = {"item": {"name": "x" * 2048}}
    resp = fakes.call(nova_app, "/v2.1/items", "POST", body=big)
    assert resp.status_int == 413
    assert fakes.fault(resp)[0] == "overLimit"


def test_streamed_body_too_large_is_over_limit(nova_app):
    """A body of unknown length (chunked) is cut off at the limit while it is read."""
    CONF.set_override("max_request_body_size", 1024, group="wsgi")
    req = webob.Request.blank(
        "/v2.1/items",
        method="POST",
        headers={"X-Auth-Token": "demo:demo", "Content-Type": "application/json"},
    )
    req.environ["wsgi.input"] = io.BytesIO(b'{"item": {"name": "' + b"x" * 4096 + b'"}}')
    req.environ.pop("CONTENT_LENGTH", None)
    req.environ["HTTP_TRANSFER_ENCODING"] = "chunked"
    req.environ["wsgi.input_terminated"] = True  # what a dechunking server promises
    resp = req.get_response(nova_app)
    assert resp.status_int == 413
    assert fakes.fault(resp)[0] == "overLimit"


def test_url_project_must_match_token_project(nova_app):
    resp = fakes.call(nova_app, "/v2.1/abcdef/items", token="demo:0123")
    assert resp.status_int == 400
    assert "doesn't match Context's project_id" in fakes.fault(resp)[1]["message"]
    assert fakes.call(nova_app, "/v2.1/0123/items", token="demo:0123").status_int == 200


# -- errors raised by controllers --------------------------------------------------------


def test_controller_crash_is_compute_fault_without_traceback(nova_app, caplog):
    caplog.set_level(logging.ERROR)
    resp = fakes.call(nova_app, "/v2.1/items/boom")
    assert resp.status_int == 500
    name, details = fakes.fault(resp)
    assert name == "computeFault"
    assert "secret internal detail" not in resp.text
    assert "Traceback" not in resp.text
    request_id = resp.headers["x-openstack-request-id"]
    assert request_id in details["message"]
    assert "secret internal detail" in caplog.text  # the operator gets the details


def test_safe_exception_keeps_its_message(nova_app):
    resp = fakes.call(nova_app, "/v2.1/items/missing")
    assert resp.status_int == 404
    assert fakes.fault(resp) == (
        "itemNotFound",
        {"code": 404, "message": "Item missing could not be found."},
    )


def test_unsafe_exception_hides_its_message(nova_app):
    resp = fakes.call(nova_app, "/v2.1/items/unsafe")
    assert resp.status_int == 500
    assert "password" not in resp.text
    assert fakes.fault(resp)[0] == "computeFault"


def test_server_action_dispatch(nova_app):
    resp = fakes.call(nova_app, "/v2.1/items/7/action", "POST", body={"rename": {"name": "b"}})
    assert resp.status_int == 202
    assert resp.json == {"renamed": "7", "to": "b"}
    resp = fakes.call(nova_app, "/v2.1/items/7/action", "POST", body={"explode": None})
    assert resp.status_int == 400
    assert fakes.fault(resp)[1]["message"] == "There is no such action: explode"


# -- request id, auth, policy ------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/v2.1", "/v2.1/items", "/v2.1/nowhere/x"])
def test_request_id_headers(nova_app, path):
    resp = fakes.call(nova_app, path)
    request_id = resp.headers["x-openstack-request-id"]
    assert REQ_ID.match(request_id)
    assert resp.headers["X-Compute-Request-Id"] == request_id


def test_noauth2_context(nova_app):
    resp = fakes.call(nova_app, "/v2.1/items", token="alice:proj1")
    assert resp.json["user_id"] == "alice"
    assert resp.json["project_id"] == "proj1"
    assert resp.json["is_admin"] is False
    assert "admin" not in resp.json["roles"]
    assert resp.json["request_id"] == resp.headers["x-openstack-request-id"]


def test_noauth2_admin_and_default_project(nova_app):
    body = fakes.call(nova_app, "/v2.1/items", token="admin").json
    assert (body["user_id"], body["project_id"]) == ("admin", "admin")
    assert body["is_admin"] is True
    assert "admin" in body["roles"]


def test_noauth2_without_token_hands_out_one(nova_app):
    resp = fakes.call(
        nova_app,
        "/v2.1/items",
        token=None,
        headers={"X-Auth-User": "bob", "X-Auth-Project-Id": "p"},
    )
    assert resp.status_int == 204
    assert resp.headers["X-Auth-Token"] == "bob:p"
    assert resp.headers["X-Server-Management-Url"] == "http://localhost/v2.1/items/p"


def test_admin_only_rule_forbids_non_admin(nova_app):
    resp = fakes.call(nova_app, "/v2.1/items/3", "DELETE", token="alice:proj1")
    assert resp.status_int == 403
    name, details = fakes.fault(resp)
    assert name == "forbidden"
    assert details["message"] == "Policy doesn't allow test:items:delete to be performed."
    assert fakes.call(nova_app, "/v2.1/items/3", "DELETE", token="admin").status_int == 204


def test_operator_policy_file_overrides_default(nova_app, tmp_path):
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text('"test:items:delete": "project_id:%(project_id)s"\n')
    CONF.set_override("policy_file", str(policy_file), group="oslo_policy")
    policy.reset()
    assert fakes.call(nova_app, "/v2.1/items/3", "DELETE", token="alice:proj1").status_int == 204


# -- keystone ----------------------------------------------------------------------------


KEYSTONE_CONF = """
[api]
auth_strategy = keystone
[keystone_authtoken]
www_authenticate_uri = http://127.0.0.1:5000/v3
"""


def test_keystone_pipeline_rejects_request_without_token(monkeypatch, tmp_path):
    with fakes.configured("nova", KEYSTONE_CONF, tmp_path):
        app = fakes.load("osapi_compute")
        resp = fakes.call(app, "/v2.1/servers", token=None)
        assert resp.status_int == 401
        assert resp.content_type == "application/json"
        assert resp.json["error"]["code"] == 401
        assert resp.headers["WWW-Authenticate"].startswith("Keystone uri=")
        # Version documents stay open for discovery.
        assert fakes.call(app, "/", token=None).status_int == 200
        assert fakes.call(app, "/v2.1", token=None).status_int == 200
