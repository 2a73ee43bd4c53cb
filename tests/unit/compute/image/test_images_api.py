"""GET/DELETE /images and /images/{id}/metadata through the nova-api paste pipeline."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

import compute.conf  # noqa: F401  registers [api], [image]
from common.context import RequestContext
from common.wsgi.auth import NoAuthMiddleware
from common.wsgi.microversion import VersionInfo
from common.wsgi.router import PROJECT_ID_OPTIONAL, APIRouter
from compute.api.openstack import router
from compute.image import local
from tests.unit.common.wsgi import fakes

ADMIN = RequestContext(user_id="admin", project_id="admin", is_admin=True, roles=["admin"])
PROJECT = "4a5f0c2e9b1d"  # hex, so it may appear in URLs as a project id
OWNER = RequestContext(user_id="alice", project_id=PROJECT, roles=["member", "reader"])
ALICE = f"alice:{PROJECT}"
BOB = "bob:b0b"

DETAIL_KEYS = {
    "id",
    "name",
    "minRam",
    "minDisk",
    "metadata",
    "created",
    "updated",
    "status",
    "progress",
    "OS-EXT-IMG-SIZE:size",
    "links",
}


class Env:
    def __init__(self, app: Any, store: local.LocalImageService) -> None:
        self.app = app
        self.store = store

    def get(self, path: str, token: str = ALICE, **kwargs: Any):
        return fakes.call(self.app, "/v2.1" + path, token=token, **kwargs)


@pytest.fixture
def env(tmp_path) -> Iterator[Env]:
    config = f"[DEFAULT]\nstate_path = {tmp_path}\n[api]\nauth_strategy = noauth2\n"
    with fakes.configured("nova", config, tmp_path):
        yield Env(fakes.load("osapi_compute"), local.LocalImageService(tmp_path / "images"))


@pytest.fixture
def images(env) -> dict[str, dict[str, Any]]:
    store = env.store
    made = {
        "cirros": store.create(
            ADMIN,
            {
                "name": "cirros",
                "disk_format": "qcow2",
                "container_format": "bare",
                "visibility": "public",
                "min_ram": 64,
                "min_disk": 1,
                "properties": {"os_distro": "cirros", "auto_disk_config": "False"},
            },
            data=b"c" * 4096,
        ),
        "snap": store.create(
            OWNER,
            {
                "name": "snap",
                "disk_format": "raw",
                "container_format": "bare",
                "properties": {"image_type": "snapshot", "instance_uuid": "srv-uuid-1"},
            },
        ),
        "bob": store.create(
            RequestContext(user_id="bob", project_id="b0b"),
            {"name": "bob-private", "disk_format": "raw", "container_format": "bare"},
            data=b"b",
        ),
    }
    return made


# -- list and show -------------------------------------------------------------------------


def test_index_lists_visible_images_with_links(env, images):
    resp = env.get("/images")
    assert resp.status_int == 200
    body = resp.json
    assert set(body) == {"images"}
    by_name = {i["name"]: i for i in body["images"]}
    assert set(by_name) == {"cirros", "snap"}
    cirros = by_name["cirros"]
    image_id = images["cirros"]["id"]
    assert cirros == {
        "id": image_id,
        "name": "cirros",
        "links": [
            {"rel": "self", "href": f"http://localhost/v2.1/images/{image_id}"},
            {"rel": "bookmark", "href": f"http://localhost/images/{image_id}"},
        ],
    }


def test_links_keep_the_project_id_the_client_used(env, images):
    image_id = images["cirros"]["id"]
    body = env.get(f"/{PROJECT}/images/{image_id}").json["image"]
    assert body["links"] == [
        {"rel": "self", "href": f"http://localhost/v2.1/{PROJECT}/images/{image_id}"},
        {"rel": "bookmark", "href": f"http://localhost/{PROJECT}/images/{image_id}"},
    ]


def test_detail_has_nova_shape_and_status_mapping(env, images):
    resp = env.get("/images/detail")
    assert resp.status_int == 200
    by_name = {i["name"]: i for i in resp.json["images"]}
    cirros = by_name["cirros"]
    assert set(cirros) == DETAIL_KEYS | {"OS-DCF:diskConfig"}
    assert cirros["status"] == "ACTIVE" and cirros["progress"] == 100
    assert cirros["minRam"] == 64 and cirros["minDisk"] == 1
    assert cirros["OS-EXT-IMG-SIZE:size"] == 4096
    assert cirros["metadata"] == {"os_distro": "cirros", "auto_disk_config": "False"}
    assert cirros["OS-DCF:diskConfig"] == "MANUAL"
    assert cirros["created"].endswith("Z") and cirros["updated"].endswith("Z")

    snap = by_name["snap"]
    assert set(snap) == DETAIL_KEYS | {"server"}
    assert snap["status"] == "SAVING" and snap["progress"] == 25
    assert snap["OS-EXT-IMG-SIZE:size"] is None
    assert snap["server"] == {
        "id": "srv-uuid-1",
        "links": [
            {"rel": "self", "href": "http://localhost/v2.1/servers/srv-uuid-1"},
            {"rel": "bookmark", "href": "http://localhost/servers/srv-uuid-1"},
        ],
    }


def test_show_returns_the_detail_view(env, images):
    image_id = images["cirros"]["id"]
    resp = env.get(f"/images/{image_id}")
    assert resp.status_int == 200
    detail = {i["id"]: i for i in env.get("/images/detail").json["images"]}
    assert resp.json == {"image": detail[image_id]}


@pytest.mark.parametrize("which", ["missing", "bob"])
def test_unknown_and_other_projects_images_are_404(env, images, which):
    image_id = images["bob"]["id"] if which == "bob" else "no-such-image"
    for path in (f"/images/{image_id}", f"/images/{image_id}/metadata"):
        resp = env.get(path)
        assert resp.status_int == 404
        name, details = fakes.fault(resp)
        assert name == "itemNotFound"
        assert details["message"] == "Image not found."
    assert env.get(f"/images/{image_id}", method="DELETE").status_int == 404
    # ...while the owner sees it.
    if which == "bob":
        assert env.get(f"/images/{image_id}", token=BOB).status_int == 200


@pytest.mark.parametrize(
    "query, names",
    [
        ("name=cirros", {"cirros"}),
        ("status=ACTIVE", {"cirros"}),
        ("status=SAVING", set()),  # Nova passes it on lowercased; glance says 'queued'
        ("minRam=64", {"cirros"}),
        ("minDisk=0", {"snap"}),
        ("type=snapshot", {"snap"}),
        ("server=srv-uuid-1", {"snap"}),
        ("server=http://localhost/v2.1/servers/srv-uuid-1", {"snap"}),
        ("property-os_distro=cirros", {"cirros"}),
        ("changes-since=2000-01-01T00:00:00Z", {"cirros", "snap"}),
        ("changes-since=2999-01-01T00:00:00Z", set()),
        ("unknown=ignored", {"cirros", "snap"}),
    ],
)
def test_filters(env, images, query, names):
    for path in ("/images", "/images/detail"):
        resp = env.get(f"{path}?{query}")
        assert resp.status_int == 200
        assert {i["name"] for i in resp.json["images"]} == names


@pytest.mark.parametrize(
    "query",
    ["limit=abc", "limit=-1", "marker=no-such-image", "changes-since=yesterday", "page_size=x"],
)
def test_bad_query_parameters_are_400(env, images, query):
    resp = env.get(f"/images/detail?{query}")
    assert resp.status_int == 400
    assert fakes.fault(resp)[0] == "badRequest"


def test_pages_link_to_the_next_page(env, images):
    for n in range(3):
        env.store.create(
            ADMIN,
            {"name": f"extra-{n}", "disk_format": "raw", "container_format": "bare"},
            data=b"e",
        )
    # Admin sees all six images.
    seen: list[str] = []
    path = "/images?limit=2"
    while True:
        body = env.get(path, token="admin:admin").json
        seen.extend(i["id"] for i in body["images"])
        links = body.get("images_links")
        if not links:
            break
        assert len(body["images"]) == 2
        href = links[0]["href"]
        assert links[0]["rel"] == "next"
        parts = urlsplit(href)
        assert parts.path == "/v2.1/images"
        query = parse_qs(parts.query)
        assert query["limit"] == ["2"] and query["marker"] == [body["images"][-1]["id"]]
        path = "/images?" + parts.query
    assert len(seen) == len(set(seen)) == 6


# -- delete --------------------------------------------------------------------------------


def test_owner_deletes_image(env, images):
    image_id = images["snap"]["id"]
    resp = env.get(f"/images/{image_id}", method="DELETE")
    assert resp.status_int == 204 and resp.body == b""
    assert env.get(f"/images/{image_id}").status_int == 404


def test_public_image_of_another_project_cannot_be_deleted(env, images):
    image_id = images["cirros"]["id"]
    resp = env.get(f"/images/{image_id}", method="DELETE")
    assert resp.status_int == 403
    name, details = fakes.fault(resp)
    assert (name, details["message"]) == ("forbidden", "You are not allowed to delete the image.")
    assert env.get(f"/images/{image_id}", method="DELETE", token="admin:admin").status_int == 204


# -- image metadata ------------------------------------------------------------------------


def test_metadata_index_and_show(env, images):
    image_id = images["snap"]["id"]
    resp = env.get(f"/images/{image_id}/metadata")
    assert resp.json == {"metadata": {"image_type": "snapshot", "instance_uuid": "srv-uuid-1"}}
    assert env.get(f"/images/{image_id}/metadata/image_type").json == {
        "meta": {"image_type": "snapshot"}
    }
    missing = env.get(f"/images/{image_id}/metadata/nope")
    assert missing.status_int == 404
    assert fakes.fault(missing)[0] == "itemNotFound"


def test_metadata_changes_by_owner(env, images):
    image_id = images["snap"]["id"]
    base = f"/images/{image_id}/metadata"
    resp = env.get(base, method="POST", body={"metadata": {"color": "blue"}})
    assert resp.status_int == 200
    assert resp.json["metadata"]["color"] == "blue"
    assert resp.json["metadata"]["image_type"] == "snapshot"

    resp = env.get(f"{base}/color", method="PUT", body={"meta": {"color": "red"}})
    assert (resp.status_int, resp.json) == (200, {"meta": {"color": "red"}})
    assert env.store.show(OWNER, image_id)["properties"]["color"] == "red"

    resp = env.get(base, method="PUT", body={"metadata": {"only": "this"}})
    assert (resp.status_int, resp.json) == (200, {"metadata": {"only": "this"}})
    assert env.store.show(OWNER, image_id)["properties"] == {"only": "this"}

    resp = env.get(f"{base}/only", method="DELETE")
    assert resp.status_int == 204
    assert env.store.show(OWNER, image_id)["properties"] == {}
    resp = env.get(f"{base}/only", method="DELETE")
    assert resp.status_int == 404
    assert fakes.fault(resp)[1]["message"] == "Invalid metadata key"


@pytest.mark.parametrize(
    "method, suffix, body",
    [
        ("PUT", "/color", {"meta": {"size": "big"}}),  # URI and body disagree
        ("PUT", "/color", {"meta": {"color": "a", "size": "b"}}),
        ("PUT", "/color", {"meta": {}}),
        ("POST", "", {"metadata": {"k": 1}}),
        ("POST", "", {"metadata": {"bad/key": "v"}}),
        ("POST", "", {"meta": {"k": "v"}}),
        ("PUT", "", {"metadata": "nope"}),
    ],
)
def test_malformed_metadata_bodies_are_400(env, images, method, suffix, body):
    resp = env.get(f"/images/{images['snap']['id']}/metadata{suffix}", method=method, body=body)
    assert resp.status_int == 400
    assert fakes.fault(resp)[0] == "badRequest"


def test_metadata_of_someone_elses_image_cannot_change(env, images):
    image_id = images["cirros"]["id"]
    resp = env.get(f"/images/{image_id}/metadata", method="POST", body={"metadata": {"a": "b"}})
    assert resp.status_int == 403
    assert "os_distro" in env.get(f"/images/{image_id}/metadata").json["metadata"]
    assert "a" not in env.store.show(ADMIN, image_id)["properties"]


def test_metadata_limit(env, images):
    many = {f"key{n}": "v" for n in range(129)}
    resp = env.get(
        f"/images/{images['snap']['id']}/metadata", method="PUT", body={"metadata": many}
    )
    assert resp.status_int == 403
    assert fakes.fault(resp)[1]["message"] == "Image metadata limit exceeded"


# -- policy and microversions --------------------------------------------------------------


def test_readers_may_list_but_policy_can_close_it(env, images):
    from common.wsgi import policy

    policy.get_service("nova").set_rules({"os_compute_api:images:index": "rule:admin_api"})
    resp = env.get("/images")
    assert resp.status_int == 403
    assert fakes.fault(resp)[1]["message"] == (
        "Policy doesn't allow os_compute_api:images:index to be performed."
    )
    assert env.get("/images", token="admin:admin").status_int == 200
    assert env.get("/images/detail").status_int == 200


def test_the_proxy_is_gone_from_microversion_2_36(env, images):
    info = VersionInfo("compute", "2.1", "2.40", ("X-OpenStack-Nova-API-Version",))
    app = NoAuthMiddleware(APIRouter(router.ROUTES, info, PROJECT_ID_OPTIONAL))
    image_id = images["cirros"]["id"]
    for path in (
        "/images",
        "/images/detail",
        f"/images/{image_id}",
        f"/images/{image_id}/metadata",
    ):
        old = fakes.call(app, path, token=ALICE, headers={"OpenStack-API-Version": "compute 2.35"})
        assert old.status_int == 200, path
        new = fakes.call(app, path, token=ALICE, headers={"OpenStack-API-Version": "compute 2.36"})
        assert new.status_int == 404, path
        assert fakes.fault(new)[0] == "itemNotFound"
