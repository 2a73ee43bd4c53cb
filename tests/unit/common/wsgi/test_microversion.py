"""Microversion parsing, negotiation and per-version handlers."""

from __future__ import annotations

import pytest
import webob.exc

from common import exception
from common.wsgi.microversion import APIVersionRequest, VersionInfo, api_version

INFO = VersionInfo("compute", "2.1", "2.90", legacy_headers=("X-OpenStack-Nova-API-Version",))


def test_parse_and_compare():
    assert APIVersionRequest("2.10") > APIVersionRequest("2.9")
    assert APIVersionRequest("2.1") == APIVersionRequest("2.1")
    assert APIVersionRequest("3.0") > APIVersionRequest("2.99")
    assert APIVersionRequest("2.5").matches(APIVersionRequest("2.1"), APIVersionRequest("2.5"))
    assert APIVersionRequest("2.6").matches(APIVersionRequest("2.1"), APIVersionRequest())
    assert not APIVersionRequest("2.6").matches(APIVersionRequest("2.1"), APIVersionRequest("2.5"))
    assert not APIVersionRequest()
    assert str(APIVersionRequest("2.37")) == "2.37"


@pytest.mark.parametrize("text", ["2", "2.", "x.1", "2.01", "02.1", "2.1.1", "", "latest"])
def test_invalid_strings(text):
    with pytest.raises(exception.Invalid):
        APIVersionRequest(text)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, "2.1"),
        ({"OpenStack-API-Version": "compute 2.37"}, "2.37"),
        ({"OpenStack-API-Version": "volume 3.1, compute 2.20"}, "2.20"),
        ({"OpenStack-API-Version": "compute latest"}, "2.90"),
        ({"X-OpenStack-Nova-API-Version": "2.11"}, "2.11"),
        ({"OpenStack-API-Version": "volume 3.1"}, "2.1"),
    ],
)
def test_negotiate(headers, expected):
    assert INFO.negotiate(headers).get_string() == expected


def test_new_header_wins_over_legacy():
    headers = {"OpenStack-API-Version": "compute 2.30", "X-OpenStack-Nova-API-Version": "2.11"}
    assert INFO.negotiate(headers).get_string() == "2.30"


@pytest.mark.parametrize("version", ["2.0", "2.91", "3.0"])
def test_out_of_range_is_406(version):
    with pytest.raises(webob.exc.HTTPNotAcceptable):
        INFO.negotiate({"OpenStack-API-Version": f"compute {version}"})


def test_response_headers():
    headers = INFO.response_headers(APIVersionRequest("2.5"))
    assert headers["OpenStack-API-Version"] == "compute 2.5"
    assert headers["X-OpenStack-Nova-API-Version"] == "2.5"
    assert headers["Vary"] == "OpenStack-API-Version, X-OpenStack-Nova-API-Version"
    volume = VersionInfo("volume", "3.0", "3.0").response_headers(APIVersionRequest("3.0"))
    assert volume == {"OpenStack-API-Version": "volume 3.0", "Vary": "OpenStack-API-Version"}


class _Req:
    def __init__(self, version: str) -> None:
        self.api_version_request = APIVersionRequest(version)


class Controller:
    @api_version("2.1", "2.37")
    def index(self, req):
        return "old"

    @index.api_version("2.38")
    def index(self, req):  # a newer implementation under the same name, as in Nova
        return "new"

    @api_version("2.50")
    def recent(self, req):
        return "recent"


@pytest.mark.parametrize(
    ("version", "expected"), [("2.1", "old"), ("2.37", "old"), ("2.38", "new"), ("2.90", "new")]
)
def test_versioned_method_picks_implementation(version, expected):
    assert Controller().index(_Req(version)) == expected


def test_versioned_method_outside_ranges_is_404():
    with pytest.raises(webob.exc.HTTPNotFound):
        Controller().recent(_Req("2.49"))
    assert Controller().recent(_Req("2.50")) == "recent"
