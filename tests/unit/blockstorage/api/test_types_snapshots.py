"""Volume types (extra specs, access) and snapshots through the cinder-api pipeline."""

from __future__ import annotations

import pytest

from tests.unit.blockstorage.api.fakes import (  # noqa: F401  (fixture)
    ADMIN,
    ALICE,
    BOB,
    OTHER_PROJECT,
    PROJECT,
    api_fixture,
    fault,
)

POLICY = "Policy doesn't allow %s to be performed."


def make_type(api, name="gold", **spec):
    body = {"volume_type": {"name": name, **spec}}
    resp = api.call("/types", "POST", body, ADMIN)
    assert resp.status_int == 200, resp.body
    return resp.json["volume_type"]


def test_type_crud_and_shapes(api):
    created = make_type(
        api,
        description="fast",
        extra_specs={"volume_backend_name": "lvm", "multiattach": "<is> True"},
    )
    assert set(created) == {
        "id", "name", "is_public", "description", "extra_specs", "qos_specs_id",
        "os-volume-type-access:is_public",
    }  # fmt: skip
    assert created["extra_specs"] == {"volume_backend_name": "lvm", "multiattach": "<is> True"}
    # Non-admins see only the user-visible extra specs, and no qos_specs_id.
    seen = api.call(f"/types/{created['id']}").json["volume_type"]
    assert seen["extra_specs"] == {"multiattach": "<is> True"}
    assert "qos_specs_id" not in seen
    names = [t["name"] for t in api.call("/types").json["volume_types"]]
    assert sorted(names) == ["__DEFAULT__", "gold"]
    assert fault(api.call("/types", "POST", {"volume_type": {"name": "x"}}), 403) == (
        POLICY % "volume_extension:types_manage"
    )
    assert fault(api.call("/types", "POST", {"volume_type": {"name": "gold"}}, ADMIN), 409) == (
        "Volume Type gold already exists."
    )
    assert fault(api.call("/types", "POST", {"volume_type": {}}, ADMIN), 400)
    updated = api.call(
        f"/types/{created['id']}", "PUT", {"volume_type": {"name": "platinum"}}, ADMIN
    )
    assert updated.json["volume_type"]["name"] == "platinum"
    assert fault(api.call(f"/types/{created['id']}", "PUT", {"volume_type": {}}, ADMIN), 400) == (
        "Specify volume type name, description, is_public or a combination thereof."
    )
    default = api.call("/types/default").json["volume_type"]
    assert default["name"] == "__DEFAULT__"
    assert fault(api.call(f"/types/{default['id']}", "DELETE", token=ADMIN), 400) == (
        "Default volume type can not be deleted."
    )
    assert api.call(f"/types/{created['id']}", "DELETE", token=ADMIN).status_int == 202
    assert fault(api.call(f"/types/{created['id']}"), 404) == (
        f"Volume type {created['id']} could not be found."
    )


def test_type_in_use_cannot_be_deleted(api):
    api.service()
    gold = make_type(api)
    resp = api.call("/volumes", "POST", {"volume": {"size": 1, "volume_type": "gold"}})
    assert resp.json["volume"]["volume_type"] == "gold"
    by_id = api.call("/volumes", "POST", {"volume": {"size": 1, "volume_type": gold["id"]}})
    assert by_id.json["volume"]["volume_type"] == "gold"
    assert fault(api.call(f"/types/{gold['id']}", "DELETE", token=ADMIN), 400) == (
        "Target volume type is still in use."
    )


def test_extra_specs_api(api):
    tid = make_type(api)["id"]
    base = f"/types/{tid}/extra_specs"
    resp = api.call(base, "POST", {"extra_specs": {"a": "1", "b": "2"}}, ADMIN)
    assert resp.json == {"extra_specs": {"a": "1", "b": "2"}}
    assert api.call(base, token=ADMIN).json == {"extra_specs": {"a": "1", "b": "2"}}
    assert api.call(f"{base}/a", token=ADMIN).json == {"a": "1"}
    assert api.call(f"{base}/a", "PUT", {"a": "9"}, ADMIN).json == {"a": "9"}
    assert fault(api.call(f"{base}/a", "PUT", {"b": "9"}, ADMIN), 400) == (
        "Request body and URI mismatch"
    )
    assert fault(api.call(f"{base}/a", "PUT", {"a": "1", "b": "2"}, ADMIN), 400) == (
        "Request body contains too many items"
    )
    assert api.call(f"{base}/a", "DELETE", token=ADMIN).status_int == 202
    assert fault(api.call(f"{base}/a", token=ADMIN), 404) == (
        f"Volume Type {tid} has no extra specs with key a."
    )
    assert fault(api.call(base, "POST", {"extra_specs": {"c": "3"}}), 403)


def test_private_type_access(api):
    private = make_type(api, "secret", **{"os-volume-type-access:is_public": False})
    tid = private["id"]
    assert fault(api.call(f"/types/{tid}"), 404)
    assert "secret" not in [t["name"] for t in api.call("/types").json["volume_types"]]
    admin_all = api.call("/types?is_public=none", token=ADMIN).json["volume_types"]
    assert "secret" in [t["name"] for t in admin_all]
    assert "secret" not in [t["name"] for t in api.call("/types", token=ADMIN).json["volume_types"]]
    add = {"addProjectAccess": {"project": PROJECT}}
    assert api.call(f"/types/{tid}/action", "POST", add, ADMIN).status_int == 202
    assert fault(api.call(f"/types/{tid}/action", "POST", add, ADMIN), 409)
    assert api.call(f"/types/{tid}").json["volume_type"]["name"] == "secret"
    assert fault(api.call(f"/types/{tid}", token=BOB), 404)
    access = api.call(f"/types/{tid}/os-volume-type-access", token=ADMIN).json
    assert access == {"volume_type_access": [{"volume_type_id": tid, "project_id": PROJECT}]}
    remove = {"removeProjectAccess": {"project": PROJECT}}
    assert api.call(f"/types/{tid}/action", "POST", remove, ADMIN).status_int == 202
    assert fault(api.call(f"/types/{tid}/action", "POST", remove, ADMIN), 404)
    default_id = api.call("/types/default").json["volume_type"]["id"]
    assert fault(api.call(f"/types/{default_id}/os-volume-type-access", token=ADMIN), 404) == (
        "Access list not available for public volume types."
    )


def test_snapshot_create_list_show_update_delete(api):
    vol = api.volume(size=3)
    resp = api.call("/snapshots", "POST", {"snapshot": {"volume_id": vol.id, "name": "s"}})
    assert resp.status_int == 202
    snap = resp.json["snapshot"]
    assert (snap["status"], snap["size"], snap["volume_id"], snap["name"]) == (
        "creating",
        3,
        vol.id,
        "s",
    )
    assert snap["os-extended-snapshot-attributes:project_id"] == PROJECT
    sent = api.sent("create_snapshot")[-1]
    assert (sent["volume"].id, sent["snapshot"].id) == (vol.id, snap["id"])
    summary = api.call("/snapshots").json["snapshots"][0]
    assert "os-extended-snapshot-attributes:progress" not in summary
    assert set(api.call("/snapshots", version="3.14").json["snapshots"][0]) == set(summary) | {
        "group_snapshot_id"
    }
    assert api.call("/snapshots/detail").json["snapshots"][0]["id"] == snap["id"]
    shown = api.call(f"/snapshots/{snap['id']}").json["snapshot"]
    assert shown["os-extended-snapshot-attributes:progress"] == "0%"
    renamed = api.call(f"/snapshots/{snap['id']}", "PUT", {"snapshot": {"name": "t"}})
    assert renamed.json["snapshot"]["name"] == "t"
    assert fault(api.call(f"/snapshots/{snap['id']}", token=BOB), 404) == (
        f"Snapshot {snap['id']} could not be found."
    )
    assert fault(api.call(f"/snapshots/{snap['id']}", "DELETE"), 400) == (
        "Invalid snapshot: Snapshot status must be available or error and must not be part "
        "of a group."
    )
    ready = api.snapshot(vol)
    assert api.call(f"/snapshots/{ready.id}", "DELETE").status_int == 202
    assert api.call(f"/snapshots/{ready.id}").json["snapshot"]["status"] == "deleting"
    assert api.sent("delete_snapshot")[-1]["snapshot"].id == ready.id


def test_snapshot_refusals_and_filters(api):
    busy = api.volume(status="in-use", attach_status="attached")
    body = {"snapshot": {"volume_id": busy.id}}
    assert fault(api.call("/snapshots", "POST", body), 400) == (
        f"Invalid volume: Volume {busy.id} status must be available, but current status is: in-use."
    )
    forced = {"snapshot": {"volume_id": busy.id, "force": True}}
    assert api.call("/snapshots", "POST", forced).status_int == 202
    assert fault(api.call("/snapshots", "POST", {"snapshot": {"volume_id": busy.id,
                                                            "force": "maybe"}}), 400)  # fmt: skip
    other = api.volume(project_id=OTHER_PROJECT)
    assert fault(api.call("/snapshots", "POST", {"snapshot": {"volume_id": other.id}}), 404)
    api.call(f"/os-quota-sets/{PROJECT}", "PUT", {"quota_set": {"snapshots": 1}}, ADMIN)
    assert fault(api.call("/snapshots", "POST", forced), 413) == (
        "Maximum number of snapshots allowed (1) exceeded"
    )
    vol = api.volume()
    api.snapshot(vol, display_name="tagged", metadata={"k": "v"})
    names = lambda q, v=None: [s["name"] for s in api.call(q, version=v).json["snapshots"]]  # noqa: E731
    assert names(f"/snapshots?volume_id={vol.id}") == ["tagged"]
    assert names("/snapshots?name=tagged") == ["tagged"]
    assert len(names("/snapshots?metadata={'k':'v'}", "3.21")) == 2  # ignored before 3.22
    assert names("/snapshots?metadata={'k':'v'}", "3.22") == ["tagged"]


@pytest.mark.parametrize("path", ["/types", "/snapshots", "/volumes", "/limits"])
def test_another_projects_url_is_refused(api, path):
    from tests.unit.common.wsgi import fakes

    resp = fakes.call(api.app, f"/v3/{OTHER_PROJECT}{path}", token=ALICE)
    assert fault(resp, 400) == (
        f"Malformed request URL: URL's project_id '{OTHER_PROJECT}' doesn't match Context's "
        f"project_id '{PROJECT}'"
    )
