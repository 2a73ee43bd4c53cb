"""PATCH /image/v2/images/{id}: Glance's JSON-patch media type and rules."""

from __future__ import annotations

import pytest

from tests.unit.compute.api.image.image_env import (
    ADMIN,
    ALICE_CTX,
    BOB,
    glance_error,
    make_env,
)


@pytest.fixture
def env(tmp_path):
    yield from make_env(tmp_path)


@pytest.fixture
def image(env):
    return env.create(name="orig", hw_disk_bus="ide", os_distro="cirros", tags=["a"])


def test_replace_add_and_remove_in_one_request(env, image):
    resp = env.patch(
        image["id"],
        [
            {"op": "replace", "path": "/name", "value": "renamed"},
            {"op": "add", "path": "/hw_disk_bus", "value": "virtio"},
            {"op": "add", "path": "/hw_scsi_model", "value": "virtio-scsi"},
            {"op": "remove", "path": "/os_distro"},
            {"op": "replace", "path": "/min_ram", "value": 128},
            {"op": "replace", "path": "/tags", "value": ["x", "y", "x"]},
            {"op": "replace", "path": "/protected", "value": True},
        ],
    )
    assert resp.status_int == 200, resp.body
    body = resp.json
    assert body["name"] == "renamed" and body["min_ram"] == 128 and body["protected"] is True
    assert body["hw_disk_bus"] == "virtio" and body["hw_scsi_model"] == "virtio-scsi"
    assert "os_distro" not in body
    assert body["tags"] == ["x", "y"]
    stored = env.store.show(ALICE_CTX, image["id"])
    assert stored["properties"] == {"hw_disk_bus": "virtio", "hw_scsi_model": "virtio-scsi"}
    assert env.call(f"/v2/images/{image['id']}").json == body


def test_draft_v2_0_operations_are_read_too(env, image):
    resp = env.patch(
        image["id"],
        [{"replace": "/name", "value": "old-style"}],
        content_type="application/openstack-images-v2.0-json-patch",
    )
    assert resp.status_int == 200 and resp.json["name"] == "old-style"


def test_wrong_media_type_is_415_with_accept_patch(env, image):
    resp = env.patch(image["id"], [], content_type="application/json")
    glance_error(resp, 415)
    assert "application/openstack-images-v2.1-json-patch" in resp.headers["Accept-Patch"]


@pytest.mark.parametrize(
    ("ops", "code", "message"),
    [
        (
            [{"op": "replace", "path": "/status", "value": "active"}],
            403,
            "Attribute 'status' is read-only.",
        ),
        ([{"op": "replace", "path": "/id", "value": "x"}], 403, "Attribute 'id' is read-only."),
        ([{"op": "replace", "path": "/self", "value": "x"}], 403, "Attribute 'self' is read-only."),
        ([{"op": "remove", "path": "/name"}], 403, "Property name may not be removed."),
        ([{"op": "replace", "path": "/nope", "value": "x"}], 409, "Property nope does not exist."),
        ([{"op": "remove", "path": "/nope"}], 409, "Property nope does not exist."),
        ([{"op": "add", "path": "/k", "value": 5}], 400, "5 is not of type 'string'"),
        ([{"op": "add", "path": "/min_disk", "value": "1"}], 400, "is not of type 'integer'"),
        (
            [{"op": "add", "path": "/a/b", "value": "x"}],
            400,
            "Invalid JSON pointer for this resource: '/a/b'",
        ),
        ([{"op": "move", "path": "/k", "from": "/j"}], 400, "Invalid operation: `move`."),
        ([{"op": "add", "path": "/k"}], 400, "requires a member named 'value'"),
        (
            {"op": "add", "path": "/k", "value": "v"},
            400,
            "Request body must be a JSON array of operation objects.",
        ),
        (
            [{"op": "replace", "path": "/visibility", "value": "public"}],
            403,
            "not authorized to make images public",
        ),
    ],
)
def test_refused_patches_change_nothing(env, image, ops, code, message):
    before = env.call(f"/v2/images/{image['id']}").json
    assert message in glance_error(env.patch(image["id"], ops), code)
    assert env.call(f"/v2/images/{image['id']}").json == before


def test_one_bad_operation_refuses_the_whole_patch(env, image):
    ops = [
        {"op": "replace", "path": "/name", "value": "half"},
        {"op": "replace", "path": "/size", "value": 1},
    ]
    glance_error(env.patch(image["id"], ops), 403)
    assert env.call(f"/v2/images/{image['id']}").json["name"] == "orig"


def test_only_owner_or_admin_changes_an_image(env, image):
    ops = [{"op": "replace", "path": "/name", "value": "bobs"}]
    glance_error(env.patch(image["id"], ops, token=BOB), 404)
    public = env.create(token=ADMIN, name="pub", visibility="public")
    glance_error(env.patch(public["id"], ops), 403)
    assert env.patch(image["id"], ops, token=ADMIN).json["name"] == "bobs"


def test_admin_may_publish(env, image):
    ops = [{"op": "replace", "path": "/visibility", "value": "public"}]
    assert env.patch(image["id"], ops, token=ADMIN).json["visibility"] == "public"
    assert env.call(f"/v2/images/{image['id']}", token=BOB).status_int == 200


def test_patch_of_unknown_image(env):
    ops = [{"op": "replace", "path": "/name", "value": "x"}]
    glance_error(env.patch("nope", ops), 404)
