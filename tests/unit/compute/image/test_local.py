"""The local image store: what nova-api, nova-compute and nova-manage see in it."""

from __future__ import annotations

import hashlib
import io
import json
import multiprocessing
import struct
import threading
import time
from pathlib import Path

import pytest

import compute.conf  # noqa: F401  registers [image]
from common.context import RequestContext
from compute import exception
from compute.image import api, local
from tests.unit.common.wsgi import fakes

ADMIN = RequestContext(user_id="admin", project_id="admin", is_admin=True, roles=["admin"])
ALICE = RequestContext(user_id="alice", project_id="p-alice", roles=["member", "reader"])
BOB = RequestContext(user_id="bob", project_id="p-bob", roles=["member", "reader"])


@pytest.fixture
def store(tmp_path: Path) -> local.LocalImageService:
    return local.LocalImageService(tmp_path / "images")


def _meta(name: str, **extra) -> dict:
    return {"name": name, "disk_format": "raw", "container_format": "bare", **extra}


def qcow2_header(virtual_size: int) -> bytes:
    # magic, version 3, no backing file, cluster_bits 16, then the size at offset 24.
    return b"QFI\xfb" + struct.pack(">IQII", 3, 0, 0, 16) + struct.pack(">Q", virtual_size)


# -- create / show / update / delete / download -------------------------------------------


def test_create_with_data_is_active_with_glance_shape(store):
    data = b"0123456789" * 1000
    image = store.create(ALICE, _meta("cirros", hw_disk_bus="virtio", min_ram=64), data=data)
    assert image["status"] == "active"
    assert image["size"] == len(data) == image["virtual_size"]
    assert image["checksum"] == hashlib.md5(data).hexdigest()
    assert image["os_hash_algo"] == "sha512"
    assert image["os_hash_value"] == hashlib.sha512(data).hexdigest()
    assert image["owner"] == "p-alice"
    assert image["visibility"] == "shared" and image["is_public"] is False
    assert image["min_ram"] == 64 and image["min_disk"] == 0
    assert image["properties"] == {"hw_disk_bus": "virtio"}
    assert image["created_at"].endswith("Z")
    assert set(api.CORE_ATTRIBUTES) <= set(image)
    assert store.show(ALICE, image["id"]) == image
    # JSON-safe: it can travel over RPC as it is.
    assert json.loads(json.dumps(image)) == image


def test_create_without_data_stays_queued_until_upload(store):
    image = store.create(ALICE, _meta("snap", properties={"instance_uuid": "u-1"}))
    assert image["status"] == "queued" and image["size"] is None
    with pytest.raises(exception.ImageNotActive):
        store.download(ALICE, image["id"])
    uploaded = store.update(ALICE, image["id"], {}, data=io.BytesIO(b"snapshot bytes"))
    assert uploaded["status"] == "active" and uploaded["size"] == 14
    assert uploaded["properties"] == {"instance_uuid": "u-1"}
    with pytest.raises(exception.Conflict):
        store.update(ALICE, image["id"], {}, data=b"again")


def test_download_as_chunks_and_to_a_file(store, tmp_path):
    data = bytes(range(256)) * 1000
    image = store.create(ALICE, _meta("big"), data=iter([data[:1000], data[1000:]]))
    assert b"".join(store.download(ALICE, image["id"])) == data
    target = tmp_path / "copy.img"
    assert store.download(ALICE, image["id"], dst_path=str(target)) is None
    assert target.read_bytes() == data
    assert not list(tmp_path.glob(".tmp-*"))


def test_qcow2_virtual_size_read_from_the_header(store):
    data = qcow2_header(1 << 30) + b"\0" * 512
    image = store.create(ADMIN, _meta("q", disk_format="qcow2"), data=data)
    assert image["size"] == len(data)
    assert image["virtual_size"] == 1 << 30


def test_update_merges_or_purges_properties_and_keeps_read_only_fields(store):
    image = store.create(ALICE, _meta("img", a="1", b="2"), data=b"x")
    updated = store.update(
        ALICE, image["id"], {"name": "renamed", "min_disk": 2, "c": "3", "size": 999}
    )
    assert updated["name"] == "renamed" and updated["min_disk"] == 2
    assert updated["size"] == 1
    assert updated["properties"] == {"a": "1", "b": "2", "c": "3"}
    purged = store.update(ALICE, image["id"], {"properties": {"b": "20"}}, purge_props=True)
    assert purged["properties"] == {"b": "20"}
    assert store.show(ALICE, image["id"])["properties"] == {"b": "20"}


def test_delete_removes_document_and_data(store):
    image = store.create(ALICE, _meta("gone"), data=b"bytes")
    store.delete(ALICE, image["id"])
    with pytest.raises(exception.ImageNotFound):
        store.show(ALICE, image["id"])
    with pytest.raises(exception.ImageNotFound):
        store.delete(ALICE, image["id"])
    assert not list(store.path.glob(f"{image['id']}*"))


@pytest.mark.parametrize("image_id", ["missing", "../../etc/passwd", "", ".locks", "a/b"])
def test_unknown_or_malformed_ids_are_not_found(store, image_id):
    with pytest.raises(exception.ImageNotFound):
        store.show(ADMIN, image_id)


def test_an_id_can_be_created_once(store):
    store.create(ADMIN, _meta("one", id="fixed-id"))
    with pytest.raises(exception.ImageExists):
        store.create(ADMIN, _meta("two", id="fixed-id"))
    assert store.show(ADMIN, "fixed-id")["name"] == "one"


@pytest.mark.parametrize(
    "meta",
    [
        {"disk_format": "floppy"},
        {"container_format": "zip"},
        {"visibility": "everyone"},
        {"min_ram": -1},
        {"id": "../escape"},
    ],
)
def test_invalid_values_are_refused(store, meta):
    with pytest.raises(exception.ImageBadRequest):
        store.create(ADMIN, {"name": "bad", **meta})


# -- who sees and changes what ------------------------------------------------------------


def test_projects_see_public_and_their_own_images_only(store):
    public = store.create(ADMIN, _meta("public", visibility="public"), data=b"p")
    mine = store.create(ALICE, _meta("alice-private", visibility="private"), data=b"a")
    theirs = store.create(BOB, _meta("bob-shared"), data=b"b")
    community = store.create(ADMIN, _meta("community", visibility="community"), data=b"c")

    assert {i["name"] for i in store.detail(ALICE)} == {"public", "alice-private"}
    assert {i["name"] for i in store.detail(BOB)} == {"public", "bob-shared"}
    assert {i["name"] for i in store.detail(ADMIN)} == {
        "public",
        "alice-private",
        "bob-shared",
        "community",
    }
    assert [i["name"] for i in store.detail(ALICE, {"visibility": "community"})] == ["community"]
    assert store.show(ALICE, community["id"])["name"] == "community"
    assert store.show(ALICE, public["id"])["name"] == "public"
    for ctxt, image in ((ALICE, theirs), (BOB, mine)):
        with pytest.raises(exception.ImageNotFound):
            store.show(ctxt, image["id"])
        with pytest.raises(exception.ImageNotFound):
            store.delete(ctxt, image["id"])


def test_only_owner_or_admin_changes_an_image(store):
    public = store.create(ADMIN, _meta("public", visibility="public", owner="admin"), data=b"p")
    with pytest.raises(exception.ImageNotAuthorized):
        store.delete(ALICE, public["id"])
    with pytest.raises(exception.ImageNotAuthorized):
        store.update(ALICE, public["id"], {"name": "mine now"})
    assert store.show(ALICE, public["id"])["name"] == "public"
    store.update(ADMIN, public["id"], {"name": "renamed"})
    store.delete(ADMIN, public["id"])


def test_members_cannot_publish_or_give_away_images(store):
    with pytest.raises(exception.ImageNotAuthorized):
        store.create(ALICE, _meta("pub", visibility="public"))
    with pytest.raises(exception.ImageNotAuthorized):
        store.create(ALICE, _meta("gift", owner="p-bob"))
    image = store.create(ALICE, _meta("mine"))
    with pytest.raises(exception.ImageNotAuthorized):
        store.update(ALICE, image["id"], {"visibility": "public"})
    # Naming the values it already has is not a change.
    store.update(ALICE, image["id"], {"visibility": "shared", "owner": "p-alice"})


def test_protected_image_cannot_be_deleted(store):
    image = store.create(ALICE, _meta("keep", protected=True), data=b"k")
    with pytest.raises(exception.ImageNotAuthorized):
        store.delete(ALICE, image["id"])
    store.update(ALICE, image["id"], {"protected": False})
    store.delete(ALICE, image["id"])


# -- filters, sorting, pagination ---------------------------------------------------------


@pytest.fixture
def catalogue(store):
    images = {}
    for index, (name, ram, props) in enumerate(
        [
            ("cirros", 64, {"os_distro": "cirros"}),
            ("debian", 512, {"os_distro": "debian"}),
            ("snap-1", 512, {"image_type": "snapshot", "instance_uuid": "srv-1"}),
            ("fedora", 1024, {"os_distro": "fedora"}),
        ]
    ):
        images[name] = store.create(
            ADMIN,
            _meta(name, visibility="public", min_ram=ram, min_disk=index, properties=props),
            data=b"x" * (index + 1),
        )
    images["queued"] = store.create(ADMIN, _meta("queued", visibility="public"))
    return images


@pytest.mark.parametrize(
    "filters, names",
    [
        ({"name": "debian"}, {"debian"}),
        ({"status": "queued"}, {"queued"}),
        ({"status": "active"}, {"cirros", "debian", "snap-1", "fedora"}),
        ({"min_ram": "512"}, {"debian", "snap-1"}),
        ({"min_disk": 3}, {"fedora"}),
        ({"property-image_type": "snapshot"}, {"snap-1"}),
        ({"property-instance_uuid": "srv-1"}, {"snap-1"}),
        ({"os_distro": "fedora"}, {"fedora"}),
        ({"disk_format": "qcow2"}, set()),
        ({"changes-since": "2000-01-01T00:00:00Z"}, {"cirros", "debian", "snap-1", "fedora"}),
        ({"changes-since": "2999-01-01T00:00:00Z"}, set()),
    ],
)
def test_filters(store, catalogue, filters, names):
    found = {i["name"] for i in store.detail(ALICE, filters)}
    expected = names | ({"queued"} if "changes-since" in filters and names else set())
    assert found == expected


def test_sorting_and_pages_walk_every_image_once(store, catalogue):
    by_name = [i["name"] for i in store.detail(ALICE, sort_key="name", sort_dir="asc")]
    assert by_name == sorted(catalogue)
    assert [i["name"] for i in store.detail(ALICE, sort_key="name", sort_dir="desc")] == sorted(
        catalogue, reverse=True
    )
    seen, marker = [], None
    while True:
        page = store.detail(ALICE, limit=2, marker=marker, sort_key="name", sort_dir="asc")
        if not page:
            break
        assert len(page) <= 2
        seen.extend(i["name"] for i in page)
        marker = page[-1]["id"]
    assert seen == sorted(catalogue)
    assert store.detail(ALICE, limit=0) == []


def test_bad_marker_and_sort_are_refused(store, catalogue):
    with pytest.raises(exception.MarkerNotFound):
        store.detail(ALICE, marker="no-such-image")
    with pytest.raises(exception.Invalid):
        store.detail(ALICE, sort_key="password")
    with pytest.raises(exception.Invalid):
        store.detail(ALICE, sort_dir="sideways")


# -- several writers at once --------------------------------------------------------------


def _add_property(path: str, image_id: str, key: str) -> None:
    store = local.LocalImageService(path)
    for round_ in range(5):
        store.update(ADMIN, image_id, {f"{key}-{round_}": key})


def _create_fixed(path: str, barrier, results) -> None:
    store = local.LocalImageService(path)
    barrier.wait()
    try:
        store.create(ADMIN, _meta("race", id="the-one"))
        results.put("created")
    except exception.ImageExists:
        results.put("exists")


def test_concurrent_updates_from_processes_lose_nothing(store):
    image = store.create(ADMIN, _meta("shared"), data=b"s")
    ctx = multiprocessing.get_context("fork")
    workers = [
        ctx.Process(target=_add_property, args=(str(store.path), image["id"], f"w{n}"))
        for n in range(6)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    props = store.show(ADMIN, image["id"])["properties"]
    assert len(props) == 6 * 5
    assert store.show(ADMIN, image["id"])["status"] == "active"


def test_concurrent_creates_of_one_id_have_one_winner(store):
    ctx = multiprocessing.get_context("fork")
    barrier, results = ctx.Barrier(5), ctx.Queue()
    workers = [
        ctx.Process(target=_create_fixed, args=(str(store.path), barrier, results))
        for _ in range(5)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    outcomes = sorted(results.get(timeout=5) for _ in workers)
    assert outcomes == ["created"] + ["exists"] * 4


def test_readers_never_see_a_half_written_document(store):
    image = store.create(ADMIN, _meta("busy"), data=b"b")
    stop = threading.Event()
    errors: list[BaseException] = []

    def reader() -> None:
        while not stop.is_set():
            try:
                assert store.show(ADMIN, image["id"])["name"].startswith("name-")
            except BaseException as error:  # noqa: BLE001 (collected for the assert)
                errors.append(error)
                return

    store.update(ADMIN, image["id"], {"name": "name-0"})
    threads = [threading.Thread(target=reader) for _ in range(3)]
    for thread in threads:
        thread.start()
    for n in range(200):
        store.update(ADMIN, image["id"], {"name": f"name-{n}", "big": "y" * 5000})
    stop.set()
    for thread in threads:
        thread.join()
    assert errors == []


# -- configuration -------------------------------------------------------------------------


def test_backend_and_path_come_from_config(tmp_path):
    config = f"[DEFAULT]\nstate_path = {tmp_path}\n"
    with fakes.configured("nova", config, tmp_path):
        service = api.get_image_service()
        assert isinstance(service, local.LocalImageService)
        assert service.path == tmp_path / "images"
    custom = tmp_path / "elsewhere"
    config += f"[image]\nlocal_store_path = {custom}\n"
    with fakes.configured("nova", config, tmp_path):
        image = api.get_image_service().create(ADMIN, _meta("here"), data=b"h")
    assert (custom / f"{image['id']}.json").exists()
    config += "[image]\nbackend = glance\n[glance]\napi_servers = http://127.0.0.1:9/v2\n"
    with fakes.configured("nova", config, tmp_path):
        from compute.image import glance

        service = api.get_image_service()
        assert isinstance(service, glance.GlanceImageService)
        assert service.api_servers == ["http://127.0.0.1:9"]


def test_timestamps_are_utc_iso8601():
    stamp = api.isotime()
    assert stamp.endswith("Z") and len(stamp) == 20
    assert api.parse_isotime("2024-05-01T12:00:00+02:00") == api.parse_isotime(
        "2024-05-01T10:00:00Z"
    )
    assert abs(api.parse_isotime(stamp).timestamp() - time.time()) < 5
