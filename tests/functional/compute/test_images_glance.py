"""The glance image client against a real Glance v2 (glance from PyPI on 127.0.0.1).

Also nova-api with ``[image] backend = glance``: openstacksdk lists and shows the
images Glance holds through the Compute API's /images proxy.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

import compute.conf  # noqa: F401  registers [image], [glance]
from common.context import RequestContext
from compute import exception
from compute.image import api, glance, local
from tests.functional.compute.glance_server import GlanceServer, free_port
from tests.functional.daemons import Daemon, wait_for, write_config
from tests.unit.common.wsgi import fakes

LOG = logging.getLogger(__name__)
REPO = Path(__file__).resolve().parents[3]
CTXT = RequestContext(user_id="nova", project_id="p-nova", roles=["admin"], is_admin=True)


@pytest.fixture(scope="module")
def glance_server(tmp_path_factory) -> Iterator[GlanceServer]:
    server = GlanceServer(tmp_path_factory.mktemp("glance"))
    server.start()
    LOG.warning(
        "glance %s: install %.1fs (0 = cached venv), db_sync + start %.1fs",
        server.venv,
        server.install_seconds,
        server.start_seconds,
    )
    yield server
    server.stop()


@pytest.fixture
def images(glance_server, tmp_path) -> Iterator[glance.GlanceImageService]:
    config = f"[image]\nbackend = glance\n[glance]\napi_servers = {glance_server.url}/v2\n"
    with fakes.configured("nova", config, tmp_path):
        service = api.get_image_service()
        assert isinstance(service, glance.GlanceImageService)
        yield service


def _meta(name: str, **extra) -> dict:
    return {"name": name, "disk_format": "raw", "container_format": "bare", **extra}


def test_create_upload_show_download_delete(images, tmp_path):
    data = bytes(range(256)) * 4000
    image = images.create(
        CTXT,
        _meta("glance-crud", min_ram=128, visibility="public", properties={"hw_disk_bus": "scsi"}),
        data=data,
    )
    assert image["status"] == "active"
    assert image["size"] == len(data)
    assert image["checksum"] == hashlib.md5(data).hexdigest()
    assert image["os_hash_value"] == hashlib.sha512(data).hexdigest()
    assert image["min_ram"] == 128 and image["is_public"] is True
    assert image["properties"]["hw_disk_bus"] == "scsi"
    for api_key in ("self", "file", "schema"):
        assert api_key not in image["properties"]

    shown = images.show(CTXT, image["id"])
    assert shown["id"] == image["id"] and shown["properties"]["hw_disk_bus"] == "scsi"
    # The same keys as the local store gives: callers cannot tell the backends apart.
    store = local.LocalImageService(tmp_path / "local")
    local_image = store.create(CTXT, _meta("twin"), data=b"x")
    assert set(shown) == set(local_image)

    assert b"".join(images.download(CTXT, image["id"])) == data
    target = tmp_path / "downloaded.img"
    assert images.download(CTXT, image["id"], dst_path=str(target)) is None
    assert target.read_bytes() == data

    images.delete(CTXT, image["id"])
    with pytest.raises(exception.ImageNotFound):
        images.show(CTXT, image["id"])
    with pytest.raises(exception.ImageNotFound):
        images.delete(CTXT, image["id"])
    with pytest.raises(exception.ImageNotFound):
        images.show(CTXT, "no-such-image")


def test_queued_image_is_uploaded_later_from_chunks(images):
    image = images.create(CTXT, _meta("glance-snapshot", properties={"image_type": "snapshot"}))
    assert image["status"] == "queued" and image["size"] is None
    with pytest.raises(exception.ImageNotActive):
        images.download(CTXT, image["id"])
    chunks = (bytes([n]) * 1000 for n in range(10))
    uploaded = images.update(CTXT, image["id"], {"instance_uuid": "srv-9"}, data=chunks)
    assert uploaded["status"] == "active" and uploaded["size"] == 10000
    assert uploaded["properties"]["instance_uuid"] == "srv-9"
    assert uploaded["properties"]["image_type"] == "snapshot"
    images.delete(CTXT, image["id"])


def test_update_adds_replaces_and_purges_properties(images):
    image = images.create(CTXT, _meta("glance-props", a="1", b="2"), data=b"p")
    updated = images.update(CTXT, image["id"], {"name": "renamed", "b": "20", "c": "3"})
    assert updated["name"] == "renamed"
    assert {k: updated["properties"].get(k) for k in "abc"} == {"a": "1", "b": "20", "c": "3"}
    purged = images.update(CTXT, image["id"], {"properties": {"c": "30"}}, purge_props=True)
    assert "a" not in purged["properties"] and "b" not in purged["properties"]
    assert purged["properties"]["c"] == "30"
    assert images.show(CTXT, image["id"])["properties"]["c"] == "30"
    images.delete(CTXT, image["id"])


def test_filters_and_pages(images):
    made = [
        images.create(
            CTXT,
            _meta(f"page-{n}", min_ram=512 if n % 2 else 256, properties={"batch": "pages"}),
            data=b"d" * (n + 1),
        )
        for n in range(5)
    ]
    try:
        batch = {"property-batch": "pages"}
        listed = images.detail(CTXT, batch, sort_key="name", sort_dir="asc")
        assert [i["name"] for i in listed] == [f"page-{n}" for n in range(5)]
        assert [i["name"] for i in images.detail(CTXT, {**batch, "name": "page-3"})] == ["page-3"]
        assert {i["name"] for i in images.detail(CTXT, {**batch, "min_ram": 512})} == {
            "page-1",
            "page-3",
        }
        assert images.detail(CTXT, {**batch, "status": "QUEUED"}) == []
        future = images.detail(CTXT, {**batch, "changes-since": "2999-01-01T00:00:00Z"})
        assert future == []

        seen, marker = [], None
        while True:
            page = images.detail(
                CTXT, batch, limit=2, marker=marker, sort_key="name", sort_dir="asc"
            )
            if not page:
                break
            assert len(page) <= 2
            seen.extend(i["name"] for i in page)
            marker = page[-1]["id"]
        assert seen == [f"page-{n}" for n in range(5)]
        with pytest.raises(exception.MarkerNotFound):
            images.detail(CTXT, batch, marker="00000000-0000-0000-0000-000000000000")
    finally:
        for image in made:
            images.delete(CTXT, image["id"])


def test_unreachable_server_is_skipped_then_reported(glance_server, tmp_path):
    dead = f"http://127.0.0.1:{free_port()}"
    config = (
        f"[image]\nbackend = glance\n"
        f"[glance]\napi_servers = {dead},{glance_server.url}\nnum_retries = 1\n"
    )
    with fakes.configured("nova", config, tmp_path):
        service = glance.GlanceImageService()
        for _ in range(3):  # whichever server a request starts with
            assert isinstance(service.detail(CTXT, limit=1), list)
    config = f"[image]\nbackend = glance\n[glance]\napi_servers = {dead}\nnum_retries = 2\n"
    with fakes.configured("nova", config, tmp_path):
        with pytest.raises(exception.GlanceConnectionFailed) as caught:
            glance.GlanceImageService().show(CTXT, "anything")
        assert caught.value.code == 503
        assert dead.split("//")[1] in caught.value.format_message()


def test_endpoint_from_the_service_catalog(glance_server, tmp_path):
    with fakes.configured("nova", "[image]\nbackend = glance\n", tmp_path):
        service = glance.GlanceImageService()
        with pytest.raises(exception.GlanceConnectionFailed):
            service.detail(CTXT)
        ctxt = RequestContext(
            user_id="nova",
            project_id="p",
            is_admin=True,
            service_catalog=[
                {
                    "type": "image",
                    "endpoints": [
                        {"interface": "admin", "url": "http://127.0.0.1:1"},
                        {"interface": "public", "url": glance_server.url + "/"},
                    ],
                }
            ],
        )
        assert isinstance(service.detail(ctxt, limit=1), list)


@pytest.fixture
def nova_api_on_glance(glance_server, tmp_path) -> Iterator[str]:
    port = free_port()
    workdir = tmp_path / "nova-api"
    workdir.mkdir()
    config = write_config(
        workdir / "nova.conf",
        {
            "DEFAULT": {
                "state_path": workdir,
                "osapi_compute_listen": "127.0.0.1",
                "osapi_compute_listen_port": port,
                "osapi_compute_workers": 1,
            },
            "api": {"auth_strategy": "noauth2"},
            "image": {"backend": "glance"},
            "glance": {"api_servers": glance_server.url},
        },
    )
    daemon = Daemon("nova-api", config, workdir, env={"PYTHONPATH": str(REPO)})
    url = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        if daemon.proc.poll() is not None:
            raise AssertionError(f"nova-api exited early:\n{daemon.log()}")
        try:
            return requests.get(url + "/", timeout=2).status_code == 200
        except requests.ConnectionError:
            return False

    wait_for(answers, timeout=30, interval=0.2, what="nova-api to answer")
    yield url
    daemon.stop()


def test_openstacksdk_lists_glance_images_through_nova_api(images, nova_api_on_glance):
    import openstack

    image = images.create(
        CTXT,
        _meta("sdk-visible", visibility="public", min_disk=1, properties={"os_distro": "cirros"}),
        data=b"s" * 2048,
    )
    try:
        conn = openstack.connect(
            auth_type="admin_token",
            auth={"endpoint": nova_api_on_glance + "/v2.1", "token": "demo:demo"},
            load_yaml_config=False,
            load_envvars=False,
        )
        listed = {i.name: i for i in conn.compute.images()}
        assert "sdk-visible" in listed
        found = conn.compute.find_image("sdk-visible")
        assert found is not None and found.id == image["id"]
        shown = conn.compute.get_image(image["id"])
        assert shown.status == "ACTIVE" and shown.progress == 100
        assert shown.size == 2048 and shown.min_disk == 1
        assert shown.metadata["os_distro"] == "cirros"
        alternate = [link for link in shown.links if link["rel"] == "alternate"]
        assert alternate == [
            {
                "rel": "alternate",
                "type": "application/vnd.openstack.image",
                "href": f"{images.api_servers[0]}/images/{image['id']}",
            }
        ]
        with pytest.raises(openstack.exceptions.NotFoundException):
            conn.compute.get_image("00000000-0000-0000-0000-000000000000")
    finally:
        images.delete(CTXT, image["id"])
