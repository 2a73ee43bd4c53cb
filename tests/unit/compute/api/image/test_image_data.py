"""PUT/GET /image/v2/images/{id}/file: upload and download through the pipeline."""

from __future__ import annotations

import hashlib
import struct

import pytest

from common.config import CONF
from tests.unit.compute.api.image.image_env import ADMIN, ALICE_CTX, BOB, glance_error, make_env


@pytest.fixture
def env(tmp_path):
    yield from make_env(tmp_path)


def test_upload_then_download_round_trip(env):
    image = env.create(name="disk")
    data = bytes(range(256)) * 4099
    resp = env.upload(image["id"], data)
    assert resp.status_int == 204 and resp.body == b""

    shown = env.call(f"/v2/images/{image['id']}").json
    assert shown["status"] == "active"
    assert shown["size"] == shown["virtual_size"] == len(data)
    assert shown["checksum"] == hashlib.md5(data).hexdigest()
    assert shown["os_hash_algo"] == "sha512"
    assert shown["os_hash_value"] == hashlib.sha512(data).hexdigest()

    resp = env.call(f"/v2/images/{image['id']}/file")
    assert resp.status_int == 200
    assert resp.content_type == "application/octet-stream"
    assert resp.headers["Content-MD5"] == hashlib.md5(data).hexdigest()
    assert int(resp.headers["Content-Length"]) == len(data)
    assert resp.body == data


def test_uploads_are_not_limited_to_the_json_body_size(env):
    image = env.create(name="big")
    data = b"\x5a" * (CONF.wsgi.max_request_body_size * 4 + 7)
    assert env.upload(image["id"], data).status_int == 204
    assert env.call(f"/v2/images/{image['id']}").json["size"] == len(data)


def test_qcow2_upload_reports_its_virtual_size(env):
    image = env.create(name="q", disk_format="qcow2")
    header = b"QFI\xfb" + struct.pack(">IQII", 3, 0, 0, 16) + struct.pack(">Q", 10 * 2**30)
    assert env.upload(image["id"], header + b"\0" * 512).status_int == 204
    assert env.call(f"/v2/images/{image['id']}").json["virtual_size"] == 10 * 2**30


def test_upload_needs_octet_stream(env):
    image = env.create(name="disk")
    resp = env.call(f"/v2/images/{image['id']}/file", "PUT", raw=b"abc", content_type="text/plain")
    assert "text/plain" in glance_error(resp, 415)
    assert env.store.show(ALICE_CTX, image["id"])["status"] == "queued"


def test_data_goes_only_into_a_queued_image(env):
    image = env.create(name="disk")
    assert env.upload(image["id"], b"first").status_int == 204
    assert "queued" in glance_error(env.upload(image["id"], b"second"), 409)
    assert env.call(f"/v2/images/{image['id']}/file").body == b"first"


def test_download_of_an_image_without_data_is_204(env):
    image = env.create(name="empty")
    resp = env.call(f"/v2/images/{image['id']}/file")
    assert resp.status_int == 204 and resp.body == b""


def test_other_projects_can_neither_upload_nor_download_private_images(env):
    image = env.create(name="mine", visibility="private")
    glance_error(env.upload(image["id"], b"x", token=BOB), 404)
    assert env.upload(image["id"], b"x").status_int == 204
    glance_error(env.call(f"/v2/images/{image['id']}/file", token=BOB), 404)
    assert env.call(f"/v2/images/{image['id']}/file", token=ADMIN).body == b"x"


def test_public_image_of_another_project_is_readable_not_writable(env):
    image = env.create(token=ADMIN, name="pub", visibility="public")
    glance_error(env.upload(image["id"], b"x"), 403)
    assert env.upload(image["id"], b"x", token=ADMIN).status_int == 204
    assert env.call(f"/v2/images/{image['id']}/file").body == b"x"


def test_unknown_image(env):
    glance_error(env.upload("nope", b"x"), 404)
    glance_error(env.call("/v2/images/nope/file"), 404)
