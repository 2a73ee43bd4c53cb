"""GET /image, /image/versions, /image/v2: Glance's version list, without a token."""

from __future__ import annotations

import pytest

from tests.unit.common.wsgi import fakes
from tests.unit.compute.api.image.image_env import make_env


@pytest.fixture
def env(tmp_path):
    yield from make_env(tmp_path)


@pytest.mark.parametrize(
    ("path", "status"), [("", 300), ("/", 300), ("/versions", 200), ("/v2", 200), ("/v2/", 200)]
)
def test_version_documents_need_no_token(env, path, status):
    resp = env.call(path, token=None)
    assert resp.status_int == status
    assert resp.headers["x-openstack-request-id"].startswith("req-")
    versions = resp.json["versions"]
    assert [v["status"] for v in versions].count("CURRENT") == 1
    current = next(v for v in versions if v["status"] == "CURRENT")
    assert current["id"].startswith("v2.")
    assert {v["id"] for v in versions} >= {"v2.0", "v2.1", current["id"]}
    for version in versions:
        assert set(version) == {"id", "status", "links"}
        assert version["links"] == [{"rel": "self", "href": "http://localhost/image/v2/"}]


def test_version_links_follow_the_host_the_client_used(env):
    resp = env.call("/versions", token=None, headers={"Host": "cloud.example:8774"})
    assert resp.json["versions"][0]["links"][0]["href"] == "http://cloud.example:8774/image/v2/"


def test_version_documents_are_read_only(env):
    resp = env.call("/versions", "POST", {}, token=None)
    assert resp.status_int == 405
    assert resp.headers["Allow"] == "GET, HEAD"
    assert resp.json["code"] == "405 Method Not Allowed"


def test_compute_api_is_still_served_next_to_it(env):
    resp = fakes.call(env.app, "/v2.1/", token=None)
    assert resp.status_int == 200
    assert resp.json["version"]["id"] == "v2.1"
