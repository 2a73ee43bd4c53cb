"""/volumes and their actions through the cinder-api pipeline (SQLite, recorded RPC)."""

from __future__ import annotations

import pytest

from blockstorage import objects
from tests.unit.blockstorage.api.fakes import (  # noqa: F401  (fixture)
    ADMIN,
    ALICE,
    BOB,
    OTHER_PROJECT,
    PROJECT,
    api_fixture,
    fault,
)

DETAIL_KEYS_30 = {
    "id", "status", "size", "availability_zone", "created_at", "updated_at", "attachments",
    "name", "description", "volume_type", "snapshot_id", "source_volid", "metadata", "links",
    "user_id", "bootable", "encrypted", "replication_status", "consistencygroup_id",
    "multiattach", "os-vol-tenant-attr:tenant_id",
}  # fmt: skip
ADMIN_KEYS = {
    "migration_status", "os-vol-host-attr:host", "os-vol-mig-status-attr:migstat",
    "os-vol-mig-status-attr:name_id",
}  # fmt: skip


@pytest.fixture
def zone(api):
    return api.service()


def create(api, body=None, token=ALICE, version=None, **volume):
    return api.call("/volumes", "POST", body or {"volume": {"size": 1, **volume}}, token, version)


def test_create_shape_and_scheduler_cast(api, zone):
    resp = create(api, name="v1", description="d", metadata={"k": "v"})
    assert resp.status_int == 202
    body = resp.json["volume"]
    assert set(body) == DETAIL_KEYS_30
    assert body["status"] == "creating"
    assert (body["size"], body["name"], body["description"]) == (1, "v1", "d")
    assert body["volume_type"] == "__DEFAULT__"
    assert (body["bootable"], body["encrypted"], body["multiattach"]) == ("false", False, False)
    assert body["links"][0]["href"] == f"http://localhost/v3/{PROJECT}/volumes/{body['id']}"
    assert body["links"][1]["href"] == f"http://localhost/{PROJECT}/volumes/{body['id']}"
    (sent,) = api.sent("create_volume")
    spec = sent["request_spec"]
    assert spec.volume_id == body["id"]
    assert spec.volume_properties["size"] == 1
    assert spec.volume_type.name == "__DEFAULT__"


def test_detail_fields_per_microversion(api, zone):
    vid = create(api).json["volume"]["id"]
    at_312 = api.call(f"/volumes/{vid}", version="3.12").json["volume"]
    assert set(at_312) == DETAIL_KEYS_30
    at_313 = api.call(f"/volumes/{vid}", version="3.13").json["volume"]
    assert set(at_313) == DETAIL_KEYS_30 | {"group_id"}
    admin = api.call(f"/volumes/{vid}", token=ADMIN, version="3.21").json["volume"]
    assert set(admin) == DETAIL_KEYS_30 | ADMIN_KEYS | {"group_id", "provider_id"}
    assert api.call(f"/volumes/{vid}", version="3.27").headers["OpenStack-API-Version"] == (
        "volume 3.27"
    )
    assert api.call(f"/volumes/{vid}", version="3.28").status_int == 406


def test_create_from_snapshot_and_source_volume(api, zone):
    source = api.volume(size=2)
    snap = api.snapshot(source)
    resp = create(api, {"volume": {"snapshot_id": snap.id}})
    assert resp.status_int == 202
    assert (resp.json["volume"]["size"], resp.json["volume"]["snapshot_id"]) == (2, snap.id)
    spec = api.sent("create_volume")[-1]["request_spec"]
    assert spec.resource_backend == "node1@file"
    msg = fault(create(api, {"volume": {"snapshot_id": snap.id, "size": 1}}), 400)
    assert msg == (
        "Invalid input received: Volume size '1'GB cannot be smaller than the snapshot size "
        "2GB. They must be >= original snapshot size."
    )
    clone = create(api, {"volume": {"source_volid": source.id, "size": 3}})
    assert clone.json["volume"]["source_volid"] == source.id
    assert api.sent("create_volume")[-1]["request_spec"].resource_backend == "node1@file"
    creating = api.snapshot(source, status="creating")
    assert "'available'" in fault(create(api, {"volume": {"snapshot_id": creating.id}}), 400)


def test_create_refusals(api, zone):
    assert fault(create(api, {"volume": {"size": 0}}), 400).startswith(
        "Invalid input for field/attribute volume/size. Value: 0."
    )
    assert fault(create(api, {"volume": {"name": "no size"}}), 400) == (
        "Invalid input received: Volume size 'None' must be an integer and greater than 0"
    )
    assert fault(create(api, {"volume": {"size": 1}, "extra": 1}), 400)
    assert fault(create(api, volume_type="gold"), 404) == (
        "Volume type with name gold could not be found."
    )
    assert fault(create(api, availability_zone="az9"), 400) == "Availability zone 'az9' is invalid."
    other = api.volume(project_id=OTHER_PROJECT)
    assert fault(create(api, {"volume": {"source_volid": other.id}}), 404) == (
        f"Volume {other.id} could not be found."
    )


def test_quota_is_enforced_with_cinders_messages(api, zone):
    api.call(f"/os-quota-sets/{PROJECT}", "PUT", {"quota_set": {"volumes": 2}}, ADMIN)
    assert create(api).status_int == 202
    assert create(api).status_int == 202
    resp = create(api)
    assert fault(resp, 413) == "Maximum number of volumes allowed (2) exceeded for quota 'volumes'."
    assert list(resp.json) == ["overLimit"]
    api.call(f"/os-quota-sets/{PROJECT}", "PUT", {"quota_set": {"volumes": 10, "gigabytes": 5}},
             ADMIN)  # fmt: skip
    assert fault(create(api, size=4), 413) == (
        "Requested volume or snapshot exceeds allowed gigabytes quota. Requested 4G, quota is "
        "5G and 2G has been consumed."
    )
    api.call(f"/os-quota-sets/{PROJECT}", "PUT", {"quota_set": {"per_volume_gigabytes": 2}}, ADMIN)
    assert fault(create(api, size=3), 413) == (
        "Requested volume size 3G is larger than maximum allowed limit 2G."
    )
    # Another project is not affected.
    assert create(api, token=BOB, size=4).status_int == 202


def test_list_filters_sort_and_pages(api, zone):
    api.volume(display_name="a", status="available", bootable=True, metadata={"k": "1"})
    b = api.volume(display_name="b", status="error")
    api.volume(display_name="c", status="available")
    api.volume(project_id=OTHER_PROJECT, display_name="other")

    def names(path, token=ALICE, version=None):
        resp = api.call(path, token=token, version=version)
        assert resp.status_int == 200, resp.body
        return [v["name"] for v in resp.json["volumes"]]

    assert names("/volumes") == ["c", "b", "a"]  # created_at desc
    assert names("/volumes?sort=name:asc") == ["a", "b", "c"]
    assert names("/volumes?sort_key=name&sort_dir=asc") == ["a", "b", "c"]
    assert names("/volumes?status=available&sort=name:asc") == ["a", "c"]
    assert names("/volumes?name=b") == ["b"]
    assert names("/volumes?metadata={'k':'1'}") == ["a"]
    assert names("/volumes?bootable=true", version="3.2") == ["a"]
    assert fault(api.call("/volumes?bootable=maybe", version="3.2"), 400) == (
        "Invalid input received: 'bootable = maybe'"
    )
    assert names("/volumes?bootable=maybe") == ["a"]  # before 3.2 anything is true
    # A non-admin's unknown filter is ignored; an admin's matches nothing.
    assert len(names("/volumes?host=x")) == 3
    assert names("/volumes?host=x", ADMIN) == []
    every = names("/volumes?all_tenants=1&sort=name:asc", ADMIN)
    assert every == ["a", "b", "c", "other"]
    assert names(f"/volumes?all_tenants=1&project_id={OTHER_PROJECT}", ADMIN) == ["other"]
    assert names("/volumes?all_tenants=1") == ["c", "b", "a"]  # ignored for non-admins
    page = api.call("/volumes?limit=2&sort=name:asc").json
    assert [v["name"] for v in page["volumes"]] == ["a", "b"]
    (link,) = page["volumes_links"]
    assert link["rel"] == "next" and f"marker={b.id}" in link["href"]
    assert names(f"/volumes?limit=2&sort=name:asc&marker={b.id}") == ["c"]
    assert "volumes_links" not in api.call(f"/volumes?sort=name:asc&marker={b.id}").json
    assert names("/volumes?offset=1&sort=name:asc") == ["b", "c"]
    assert fault(api.call("/volumes?limit=x"), 400)
    assert fault(api.call("/volumes?marker=nope"), 400)
    assert (
        fault(api.call("/volumes?sort=bogus:asc"), 400)
        == "Invalid input received: Invalid sort key"
    )
    assert names("/volumes/detail?sort=name:asc") == ["a", "b", "c"]
    assert set(api.call("/volumes").json["volumes"][0]) == {"id", "name", "links"}


def test_glance_metadata_and_group_filters_follow_microversions(api, zone):
    api.volume(display_name="img", glance_metadata={"image_id": "abc"})
    api.volume(display_name="plain")
    query = "/volumes?all_tenants=1&glance_metadata={'image_id':'abc'}"
    assert len(api.call(query, token=ADMIN, version="3.3").json["volumes"]) == 2  # before 3.4
    at_34 = api.call(query, token=ADMIN, version="3.4").json["volumes"]
    assert [v["name"] for v in at_34] == ["img"]
    # Not among a non-admin's filters (query_volume_filters): ignored.
    assert len(api.call(query, version="3.4").json["volumes"]) == 2
    detail = api.call("/volumes/detail?name=img").json["volumes"][0]
    assert detail["volume_image_metadata"] == {"image_id": "abc"}


def test_summary_at_312(api, zone):
    api.volume(size=2)
    api.volume(size=3)
    api.volume(project_id=OTHER_PROJECT, size=5)
    assert api.call("/volumes/summary", version="3.11").status_int == 404
    assert api.call("/volumes/summary", version="3.12").json == {
        "volume-summary": {"total_size": 5, "total_count": 2}
    }
    admin = api.call("/volumes/summary?all_tenants=true", token=ADMIN, version="3.12").json
    assert admin == {"volume-summary": {"total_size": 10, "total_count": 3}}


def test_isolation_and_update(api, zone):
    mine = api.volume()
    theirs = api.volume(project_id=OTHER_PROJECT)
    assert (
        fault(api.call(f"/volumes/{theirs.id}"), 404) == f"Volume {theirs.id} could not be found."
    )
    assert api.call(f"/volumes/{theirs.id}", token=ADMIN).status_int == 200
    assert fault(api.call(f"/volumes/{theirs.id}", "DELETE"), 404)
    assert fault(api.call("/volumes/not-a-uuid"), 404)
    resp = api.call(
        f"/volumes/{mine.id}", "PUT", {"volume": {"name": "new", "metadata": {"a": "b"}}}
    )
    assert resp.status_int == 200
    assert (resp.json["volume"]["name"], resp.json["volume"]["metadata"]) == ("new", {"a": "b"})
    assert fault(api.call(f"/volumes/{mine.id}", "PUT", {"volume": {}}), 400)
    assert fault(api.call(f"/volumes/{mine.id}", "PUT", {"volume": {"size": 2}}), 400)


def test_delete_rules(api, zone):
    never_placed = api.volume(status="creating", host=None)
    assert api.call(f"/volumes/{never_placed.id}", "DELETE").status_int == 202
    assert fault(api.call(f"/volumes/{never_placed.id}"), 404)
    assert api.sent("delete_volume") == []  # no backend to ask
    busy = api.volume(status="in-use", attach_status="attached")
    msg = fault(api.call(f"/volumes/{busy.id}", "DELETE"), 400)
    assert msg.startswith("Invalid volume: Volume status must be available or error or")
    with_snap = api.volume()
    api.snapshot(with_snap)
    assert fault(api.call(f"/volumes/{with_snap.id}", "DELETE"), 400)
    assert api.call(f"/volumes/{with_snap.id}?cascade=true", "DELETE").status_int == 202
    assert api.sent("delete_volume")[-1]["cascade"] is True
    ok = api.volume()
    assert api.call(f"/volumes/{ok.id}", "DELETE").status_int == 202
    assert api.call(f"/volumes/{ok.id}").json["volume"]["status"] == "deleting"
    # force: 3.23+, admins only, not with cascade, never for attached volumes.
    stuck = api.volume(status="creating")
    assert fault(api.call(f"/volumes/{stuck.id}?force=true", "DELETE", version="3.22"), 400)
    assert fault(api.call(f"/volumes/{stuck.id}?force=true", "DELETE", version="3.23"), 403)
    resp = api.call(f"/volumes/{stuck.id}?force=true&cascade=true", "DELETE", token=ADMIN,
                    version="3.23")  # fmt: skip
    assert fault(resp, 400) == "Invalid input received: Cannot use 'cascade' and 'force' together"
    resp = api.call(f"/volumes/{stuck.id}?force=true", "DELETE", token=ADMIN, version="3.23")
    assert resp.status_int == 202
    assert fault(api.call(f"/volumes/{busy.id}", "POST", None, ADMIN), 405)


def action(api, volume, body, token=ALICE, version=None):
    return api.call(f"/volumes/{volume.id}/action", "POST", body, token, version)


def status(volume):
    fresh = objects.Volume.get_by_id(volume._context.elevated(), volume.id)
    return fresh.status, fresh.attach_status


def test_extend(api, zone):
    vol = api.volume(size=1)
    assert action(api, vol, {"os-extend": {"new_size": 3}}).status_int == 202
    assert status(vol)[0] == "extending"
    assert api.sent("extend_volume")[-1]["new_size"] == 3
    assert fault(action(api, vol, {"os-extend": {"new_size": 4}}), 400) == (
        f"Invalid volume: Volume {vol.id} status must be available to extend, but current "
        "status is: extending."
    )
    other = api.volume(size=2)
    assert fault(action(api, other, {"os-extend": {"new_size": 2}}), 400) == (
        "Invalid input received: New size for extend must be greater than current size. "
        "(current: 2, extended: 2)."
    )
    assert fault(action(api, other, {"os-extend": {}}), 400)
    api.call(f"/os-quota-sets/{PROJECT}", "PUT", {"quota_set": {"gigabytes": 4}}, ADMIN)
    assert fault(action(api, other, {"os-extend": {"new_size": 9}}), 413).startswith(
        "Requested volume or snapshot exceeds allowed gigabytes quota."
    )
    assert status(other)[0] == "available"


def test_legacy_attach_steps(api, zone):
    vol = api.volume()
    assert action(api, vol, {"os-reserve": {}}).status_int == 202
    assert status(vol)[0] == "attaching"
    assert fault(action(api, vol, {"os-reserve": {}}), 400) == (
        "Invalid volume: Volume status must be available to reserve, but the status is attaching."
    )
    assert action(api, vol, {"os-unreserve": {}}).status_int == 202
    assert status(vol)[0] == "available"
    api.replies["initialize_connection"] = {"driver_volume_type": "iscsi", "data": {"x": 1}}
    resp = action(api, vol, {"os-initialize_connection": {"connector": {"host": "h"}}})
    assert resp.json == {"connection_info": {"driver_volume_type": "iscsi", "data": {"x": 1}}}
    assert fault(action(api, vol, {"os-initialize_connection": {}}), 400)
    body = {"os-attach": {"instance_uuid": vol.id, "mountpoint": "/dev/vdb", "mode": "rw"}}
    assert action(api, vol, body).status_int == 202
    assert api.sent("attach_volume")[-1]["mountpoint"] == "/dev/vdb"
    bad = {"os-attach": {"mountpoint": "/dev/vdb"}}
    assert fault(action(api, vol, bad), 400) == (
        "Invalid request to attach volume to an invalid target"
    )
    assert fault(action(api, vol, {"os-begin_detaching": {}}), 400) == (
        "Invalid volume: Unable to detach volume. Volume status must be 'in-use' and "
        "attach_status must be 'attached' to detach."
    )
    used = api.volume(status="in-use", attach_status="attached")
    assert action(api, used, {"os-begin_detaching": {}}).status_int == 202
    assert status(used)[0] == "detaching"
    assert action(api, used, {"os-roll_detaching": {}}).status_int == 202
    assert status(used)[0] == "in-use"
    assert action(api, used, {"os-detach": {}}).status_int == 202
    assert (
        action(api, used, {"os-terminate_connection": {"connector": {"host": "h"}}}).status_int
        == 202
    )
    assert (
        fault(action(api, vol, {"os-nonsense": {}}), 400) == "There is no such action: os-nonsense"
    )


def test_bootable_readonly_and_admin_actions(api, zone):
    vol = api.volume()
    resp = action(api, vol, {"os-set_bootable": {"bootable": True}})
    assert (resp.status_int, resp.body) == (200, b"")
    assert api.call(f"/volumes/{vol.id}").json["volume"]["bootable"] == "true"
    assert fault(action(api, vol, {"os-set_bootable": {"bootable": "maybe"}}), 400)
    assert action(api, vol, {"os-update_readonly_flag": {"readonly": True}}).status_int == 202
    assert api.call(f"/volumes/{vol.id}").json["volume"]["metadata"] == {"readonly": "True"}
    body = {"os-attach": {"instance_uuid": vol.id, "mountpoint": "/dev/vdb", "mode": "rw"}}
    assert fault(action(api, vol, body), 400) == (
        f"Invalid attaching mode 'rw' for volume {vol.id}."
    )
    reset = {"os-reset_status": {"status": "error"}}
    assert fault(action(api, vol, reset), 403) == (
        "Policy doesn't allow volume_extension:volume_admin_actions:reset_status to be performed."
    )
    assert action(api, vol, reset, ADMIN).status_int == 202
    assert status(vol)[0] == "error"
    assert fault(action(api, vol, {"os-reset_status": {"status": "bogus"}}, ADMIN), 400) == (
        "Must specify a valid status"
    )
    assert fault(action(api, vol, {"os-force_delete": {}}), 403)
    assert action(api, vol, {"os-force_delete": {}}, ADMIN).status_int == 202
    assert status(vol)[0] == "deleting"
    assert fault(action(api, vol, {"os-force_detach": {}}), 403)
    assert action(api, vol, {"os-force_detach": {"attachment_id": None}}, ADMIN).status_int == 202


class FakeImages:
    """Nova's image service as cinder-api reads it (``show`` of one image)."""

    def __init__(self, **images):
        self.images = images

    def show(self, ctxt, image_id):
        from compute import exception as compute_exc

        if image_id not in self.images:
            raise compute_exc.ImageNotFound(image_id=image_id)
        return self.images[image_id]


def test_create_from_image_checks_the_image(api, zone, monkeypatch):
    from blockstorage.volume import image_utils

    gib = 1024**3
    images = FakeImages(
        tiny={"id": "tiny", "status": "active", "size": 20 * 1024**2, "min_disk": 0},
        big={"id": "big", "status": "active", "size": 3 * gib + 1, "min_disk": 0},
        picky={"id": "picky", "status": "active", "size": 1, "min_disk": 5},
        queued={"id": "queued", "status": "queued", "size": 0, "min_disk": 0},
    )
    monkeypatch.setattr(image_utils, "get_image_service", lambda: images)
    resp = create(api, imageRef="tiny")
    assert resp.status_int == 202
    spec = api.sent("create_volume")[-1]
    assert spec["image_id"] == "tiny"
    assert spec["request_spec"].volume_properties["image_size"] == 20 * 1024**2
    assert fault(create(api, image_id="big", size=3), 400) == (
        "Invalid input received: Size of specified image 4GB is larger than volume size 3GB."
    )
    assert fault(create(api, imageRef="picky", size=2), 400) == (
        "Invalid input received: Volume size 2GB cannot be smaller than the image minDisk size 5GB."
    )
    assert fault(create(api, imageRef="queued"), 400) == (
        "Invalid input received: Image queued is not active."
    )
    assert fault(create(api, imageRef="missing"), 404) == "Image missing could not be found."


def test_upload_to_image(api, zone, monkeypatch):
    from blockstorage.volume import image_utils

    class Images(FakeImages):
        def create(self, ctxt, meta, data=None):
            image = {"id": "new-image", "status": "queued", **meta}
            self.images[image["id"]] = image
            return image

    images = Images()
    monkeypatch.setattr(image_utils, "get_image_service", lambda: images)
    vol = api.volume(size=2)
    body = {"os-volume_upload_image": {"image_name": "snap", "disk_format": "qcow2",
                                       "visibility": "public"}}  # fmt: skip
    resp = action(api, vol, body, version="3.1")
    assert resp.status_int == 202
    reply = resp.json["os-volume_upload_image"]
    assert (reply["status"], reply["image_id"], reply["disk_format"], reply["size"]) == (
        "uploading", "new-image", "qcow2", 2,
    )  # fmt: skip
    assert images.images["new-image"]["visibility"] == "public"
    sent = api.sent("copy_volume_to_image")[-1]
    assert sent["image_meta"]["id"] == "new-image"
    assert status(vol)[0] == "uploading"
    assert fault(action(api, vol, body), 400).startswith(f"Invalid volume: Volume {vol.id} status")
    plain = api.volume()
    assert fault(action(api, plain, {"os-volume_upload_image": {}}), 400)
    del images.images["new-image"]
    assert action(api, plain, body, version="3.0").status_int == 202
    assert "visibility" not in images.images["new-image"]  # a 3.1 parameter
