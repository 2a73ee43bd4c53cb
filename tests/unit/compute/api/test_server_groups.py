"""os-server-groups through nova-api at microversion 2.1."""

from __future__ import annotations

import pytest

from compute import objects
from tests.unit.compute.api.resource_fakes import (  # noqa: F401  (fixture)
    ADMIN,
    ALICE,
    BOB,
    PROJECT,
    api_fixture,
    fault,
)


def _create(api, name="g", policy="affinity", token=ALICE):
    body = {"server_group": {"name": name, "policies": [policy]}}
    return api.call("/os-server-groups", "POST", body, token=token)


def test_create_show_delete(api):
    resp = _create(api, "web", "anti-affinity")
    assert resp.status_int == 200
    group = resp.json["server_group"]
    assert set(group) == {"id", "name", "policies", "members", "metadata"}
    assert (group["name"], group["policies"], group["members"], group["metadata"]) == (
        "web",
        ["anti-affinity"],
        [],
        {},
    )
    assert api.call(f"/os-server-groups/{group['id']}").json == {"server_group": group}
    resp = api.call(f"/os-server-groups/{group['id']}", "DELETE")
    assert resp.status_int == 204
    message = fault(api.call(f"/os-server-groups/{group['id']}"), 404)
    assert message == f"Instance group {group['id']} could not be found."


def test_members_are_live_servers(api):
    group_id = _create(api).json["server_group"]["id"]
    alive = api.server()
    gone = api.server()
    objects.InstanceGroup.add_members(api.admin, group_id, [alive.uuid, gone.uuid])
    gone.destroy()
    assert api.call(f"/os-server-groups/{group_id}").json["server_group"]["members"] == [alive.uuid]


def test_groups_are_per_project(api):
    mine = _create(api, "mine").json["server_group"]["id"]
    theirs = _create(api, "theirs", token=BOB).json["server_group"]["id"]
    assert [g["name"] for g in api.call("/os-server-groups").json["server_groups"]] == ["mine"]
    fault(api.call(f"/os-server-groups/{theirs}"), 404)
    fault(api.call(f"/os-server-groups/{theirs}", "DELETE"), 404)
    # all_projects is for admins; others just get their own.
    names = [
        g["name"] for g in api.call("/os-server-groups?all_projects=True").json["server_groups"]
    ]
    assert names == ["mine"]
    every = api.call("/os-server-groups?all_projects=True", token=ADMIN).json["server_groups"]
    assert [g["id"] for g in every] == [mine, theirs]
    assert api.call("/os-server-groups", token=ADMIN).json["server_groups"] == []


def test_list_limit_and_offset(api):
    for name in ("a", "b", "c"):
        _create(api, name)
    page = api.call("/os-server-groups?limit=2&offset=1").json["server_groups"]
    assert [g["name"] for g in page] == ["b", "c"]
    assert "must be an integer" in fault(api.call("/os-server-groups?limit=x"), 400)


def test_server_groups_quota(api):
    api.call(f"/os-quota-sets/{PROJECT}", "PUT", {"quota_set": {"server_groups": 1}}, token=ADMIN)
    assert _create(api, "one").status_int == 200
    assert fault(_create(api, "two"), 403) == "Quota exceeded, too many server groups."


@pytest.mark.parametrize(
    ("group", "field"),
    [
        ({"name": "g", "policies": ["soft-affinity"]}, "server_group/policies/0"),
        ({"name": "g", "policies": ["affinity", "anti-affinity"]}, "server_group/policies"),
        ({"name": "g", "policies": []}, "server_group/policies"),
        ({"name": "g", "policy": "affinity"}, "server_group/policies"),
        ({"name": "g", "policies": ["affinity"], "rules": {}}, "server_group"),
        ({"policies": ["affinity"]}, "server_group/name"),
        ({"name": "", "policies": ["affinity"]}, "server_group/name"),
    ],
)
def test_schema_errors(api, group, field):
    resp = api.call("/os-server-groups", "POST", {"server_group": group})
    assert fault(resp, 400).startswith(f"Invalid input for field/attribute {field}.")
