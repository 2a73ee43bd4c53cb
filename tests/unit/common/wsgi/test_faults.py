"""Every exception leaves the API as an OpenStack fault body with Nova's names."""

from __future__ import annotations

import pytest
import webob.exc

from common import exception
from common.wsgi import faults


@pytest.mark.parametrize(
    ("code", "name"),
    [
        (400, "badRequest"),
        (401, "unauthorized"),
        (403, "forbidden"),
        (404, "itemNotFound"),
        (405, "badMethod"),
        (409, "conflictingRequest"),
        (413, "overLimit"),
        (415, "badMediaType"),
        (429, "overLimit"),
        (500, "computeFault"),
        (501, "notImplemented"),
        (503, "serviceUnavailable"),
        (406, "computeFault"),
    ],
)
def test_fault_names(code, name):
    resp = faults.fault_response(code, "msg")
    assert resp.status_int == code
    assert resp.content_type == "application/json"
    assert resp.json == {name: {"code": code, "message": "msg"}}


@pytest.mark.parametrize(
    ("exc", "code", "name"),
    [
        (exception.NotFound(), 404, "itemNotFound"),
        (exception.Conflict(reason="busy"), 409, "conflictingRequest"),
        (exception.PolicyNotAuthorized(action="x"), 403, "forbidden"),
        (exception.NotAuthenticated(), 401, "unauthorized"),
        (exception.ServiceUnavailable(), 503, "serviceUnavailable"),
        (webob.exc.HTTPConflict(detail="in use"), 409, "conflictingRequest"),
    ],
)
def test_safe_exceptions_keep_message(exc, code, name):
    resp = faults.exception_to_response(exc, "req-1")
    assert resp.status_int == code
    body = resp.json[name]
    assert body["code"] == code
    assert body["message"] == (exc.format_message() if hasattr(exc, "format_message") else "in use")


def test_unsafe_exception_message_hidden():
    exc = exception.DBNotConfigured(reason="mysql://root:secret@db/nova")
    resp = faults.exception_to_response(exc, "req-42")
    assert resp.status_int == 500
    assert "secret" not in resp.text
    assert "req-42" in resp.json["computeFault"]["message"]


def test_unexpected_exception_is_generic_500(caplog):
    try:
        raise KeyError("internal-key")
    except KeyError as exc:
        resp = faults.exception_to_response(exc, "req-7")
    assert resp.status_int == 500
    assert "internal-key" not in resp.text
    assert "Traceback" not in resp.text
    assert "Traceback" in caplog.text


def test_method_not_allowed_keeps_allow_header():
    resp = faults.exception_to_response(webob.exc.HTTPMethodNotAllowed(headers={"Allow": "GET"}))
    assert resp.status_int == 405
    assert resp.headers["Allow"] == "GET"
    assert "badMethod" in resp.json
