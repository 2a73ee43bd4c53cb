"""/image/v2/images and /image/v2/images/{id}: Glance's shapes, codes and rules."""

from __future__ import annotations

import uuid

import pytest

from tests.unit.compute.api.image.image_env import (
    ADMIN,
    ADMIN_CTX,
    ALICE,
    ALICE_CTX,
    BOB,
    PROJECT,
    glance_error,
    make_env,
)

GLANCE_KEYS = {
    "id",
    "name",
    "status",
    "visibility",
    "protected",
    "os_hidden",
    "checksum",
    "os_hash_algo",
    "os_hash_value",
    "owner",
    "size",
    "virtual_size",
    "disk_format",
    "container_format",
    "min_ram",
    "min_disk",
    "created_at",
    "updated_at",
    "tags",
    "self",
    "file",
    "schema",
}


@pytest.fixture
def env(tmp_path):
    yield from make_env(tmp_path)


@pytest.fixture
def cirros(env):
    return env.store.create(
        ADMIN_CTX,
        {
            "name": "cirros",
            "disk_format": "qcow2",
            "container_format": "bare",
            "visibility": "public",
            "min_ram": 64,
            "properties": {"hw_disk_bus": "virtio", "os_distro": "cirros"},
        },
        data=b"c" * 1024,
    )


def test_show_has_glance_shape_with_properties_at_top_level(env, cirros):
    resp = env.call(f"/v2/images/{cirros['id']}")
    assert resp.status_int == 200
    body = resp.json
    assert set(body) == GLANCE_KEYS | {"hw_disk_bus", "os_distro"}
    assert body["hw_disk_bus"] == "virtio" and body["os_distro"] == "cirros"
    assert body["status"] == "active" and body["visibility"] == "public"
    assert body["size"] == 1024 and body["min_ram"] == 64 and body["min_disk"] == 0
    assert body["os_hash_algo"] == "sha512" and len(body["checksum"]) == 32
    assert body["self"] == f"/v2/images/{cirros['id']}"
    assert body["file"] == f"/v2/images/{cirros['id']}/file"
    assert body["schema"] == "/v2/schemas/image"
    assert body["created_at"].endswith("Z")
    assert resp.headers["x-openstack-request-id"].startswith("req-")
    # Glance does not send Nova's compatibility header.
    assert "X-Compute-Request-Id" not in resp.headers


def test_unknown_image_is_a_glance_404(env):
    resp = env.call("/v2/images/no-such-image")
    assert glance_error(resp, 404) == "No image found with ID no-such-image"
    assert resp.json == {
        "message": "No image found with ID no-such-image",
        "code": "404 Not Found",
        "title": "Not Found",
    }


def test_private_image_of_another_project_does_not_exist_for_others(env):
    private = env.create(name="mine", visibility="private")
    assert env.call(f"/v2/images/{private['id']}").status_int == 200
    glance_error(env.call(f"/v2/images/{private['id']}", token=BOB), 404)
    assert env.call(f"/v2/images/{private['id']}", token=ADMIN).status_int == 200


def test_create_queues_an_image_owned_by_the_callers_project(env):
    resp = env.call(
        "/v2/images",
        "POST",
        {
            "name": "fresh",
            "disk_format": "qcow2",
            "container_format": "bare",
            "min_disk": 1,
            "tags": ["a", "b", "a"],
            "hw_qemu_guest_agent": "yes",
        },
    )
    assert resp.status_int == 201
    body = resp.json
    assert resp.headers["Location"] == f"http://localhost/image/v2/images/{body['id']}"
    assert body["status"] == "queued" and body["size"] is None and body["checksum"] is None
    assert body["owner"] == PROJECT and body["visibility"] == "shared"
    assert body["tags"] == ["a", "b"] and body["min_disk"] == 1
    assert body["hw_qemu_guest_agent"] == "yes"
    stored = env.store.show(ALICE_CTX, body["id"])
    assert stored["properties"] == {"hw_qemu_guest_agent": "yes"}


def test_create_with_a_chosen_id_and_its_duplicate(env):
    image_id = str(uuid.uuid4())
    assert env.create(id=image_id, name="x")["id"] == image_id
    resp = env.call("/v2/images", "POST", {"id": image_id, "name": "y"})
    assert image_id in glance_error(resp, 409)
    resp = env.call("/v2/images", "POST", {"id": "not-a-uuid"})
    glance_error(resp, 400)


@pytest.mark.parametrize(
    ("attrs", "code", "message"),
    [
        ({"size": 3}, 403, "Attribute 'size' is read-only."),
        ({"status": "active"}, 403, "Attribute 'status' is read-only."),
        ({"checksum": "x"}, 403, "Attribute 'checksum' is read-only."),
        ({"self": "/x"}, 403, "Attribute 'self' is reserved."),
        ({"locations": []}, 403, "Attribute 'locations' is reserved."),
        ({"disk_format": "floppy"}, 400, "Provided object does not match schema 'image'"),
        ({"visibility": "everyone"}, 400, "Provided object does not match schema 'image'"),
        ({"min_ram": "64"}, 400, "'64' is not of type 'integer'"),
        ({"protected": "yes"}, 400, "is not of type 'boolean'"),
        ({"hw_disk_bus": 5}, 400, "5 is not of type 'string'"),
        ({"name": "n" * 256}, 400, "longer than 255"),
        ({"tags": "a"}, 400, "not an array of strings"),
    ],
)
def test_create_refuses_what_glance_refuses(env, attrs, code, message):
    resp = env.call("/v2/images", "POST", attrs)
    assert message in glance_error(resp, code)
    assert env.store.detail(ADMIN_CTX) == []


def test_create_needs_a_json_object(env):
    glance_error(env.call("/v2/images", "POST", ["name"]), 400)
    resp = env.call("/v2/images", "POST", raw=b"{not json")
    assert glance_error(resp, 400) == "Malformed JSON in request body."


def test_only_admins_create_public_images(env):
    resp = env.call("/v2/images", "POST", {"name": "pub", "visibility": "public"})
    assert "public" in glance_error(resp, 403)
    assert env.create(token=ADMIN, name="pub", visibility="public")["visibility"] == "public"


def test_images_owned_by_another_project_cannot_be_created(env):
    resp = env.call("/v2/images", "POST", {"name": "x", "owner": "someone-else"})
    assert "someone-else" in glance_error(resp, 403)


def test_delete_removes_the_image(env):
    image = env.create(name="gone")
    resp = env.call(f"/v2/images/{image['id']}", "DELETE")
    assert resp.status_int == 204 and resp.body == b""
    glance_error(env.call(f"/v2/images/{image['id']}"), 404)
    glance_error(env.call(f"/v2/images/{image['id']}", "DELETE"), 404)


def test_protected_and_foreign_images_are_not_deleted(env, cirros):
    protected = env.create(name="keep", protected=True)
    resp = env.call(f"/v2/images/{protected['id']}", "DELETE")
    assert glance_error(resp, 403) == (
        f"Image {protected['id']} is protected and cannot be deleted."
    )
    glance_error(env.call(f"/v2/images/{cirros['id']}", "DELETE"), 403)
    assert env.call(f"/v2/images/{cirros['id']}").status_int == 200


def test_tags_are_added_once_and_removed(env):
    image = env.create(name="tagged")
    path = f"/v2/images/{image['id']}/tags"
    assert env.call(f"{path}/blue", "PUT").status_int == 204
    assert env.call(f"{path}/blue", "PUT").status_int == 204
    assert env.call(f"{path}/red", "PUT").status_int == 204
    assert env.call(f"/v2/images/{image['id']}").json["tags"] == ["blue", "red"]
    assert env.call(f"{path}/blue", "DELETE").status_int == 204
    glance_error(env.call(f"{path}/blue", "DELETE"), 404)
    assert env.call(f"/v2/images/{image['id']}").json["tags"] == ["red"]
    glance_error(env.call(f"{path}/blue", "PUT", token=BOB), 404)


def test_unknown_paths_and_methods(env):
    assert glance_error(env.call("/v2/flavors"), 404) == "The resource could not be found."
    resp = env.call("/v2/images", "PUT", {})
    glance_error(resp, 405)
    assert resp.headers["Allow"] == "GET, POST"


@pytest.mark.parametrize("name", ["image", "images"])
def test_schemas_describe_the_documents(env, name):
    resp = env.call(f"/v2/schemas/{name}")
    assert resp.status_int == 200
    schema = resp.json
    assert schema["name"] == name
    image_schema = schema if name == "image" else schema["properties"]["images"]["items"]
    props = image_schema["properties"]
    assert set(props) >= GLANCE_KEYS
    assert props["status"]["readOnly"] is True and "readOnly" not in props["name"]
    assert "qcow2" in props["disk_format"]["enum"]
    assert image_schema["additionalProperties"] == {"type": "string"}


def test_alice_token_is_trusted_as_noauth2_sends_it(env):
    image = env.create(token=ALICE, name="who")
    assert image["owner"] == PROJECT
