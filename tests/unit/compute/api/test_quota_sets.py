"""limits and os-quota-sets through nova-api."""

from __future__ import annotations

import pytest

from tests.unit.compute.api.resource_fakes import (  # noqa: F401  (fixture)
    ADMIN,
    ALICE,
    BOB,
    OTHER_PROJECT,
    PROJECT,
    api_fixture,
    fault,
    policy_message,
)

QUOTA_KEYS = {
    "cores",
    "fixed_ips",
    "floating_ips",
    "injected_file_content_bytes",
    "injected_file_path_bytes",
    "injected_files",
    "instances",
    "key_pairs",
    "metadata_items",
    "ram",
    "security_group_rules",
    "security_groups",
    "server_group_members",
    "server_groups",
}
DEFAULTS = {
    "cores": 20,
    "fixed_ips": -1,
    "floating_ips": 10,
    "injected_file_content_bytes": 10240,
    "injected_file_path_bytes": 255,
    "injected_files": 5,
    "instances": 10,
    "key_pairs": 100,
    "metadata_items": 128,
    "ram": 51200,
    "security_group_rules": 20,
    "security_groups": 10,
    "server_group_members": 10,
    "server_groups": 10,
}


def test_limits_shape_and_usage(api):
    api.server(memory_mb=1024, vcpus=2)
    api.server(memory_mb=512, vcpus=1)
    api.server(project_id=OTHER_PROJECT)
    api.call("/os-server-groups", "POST", {"server_group": {"name": "g", "policies": ["affinity"]}})
    resp = api.call("/limits")
    assert resp.status_int == 200
    assert resp.json == {
        "limits": {
            "rate": [],
            "absolute": {
                "maxTotalInstances": 10,
                "maxTotalCores": 20,
                "maxTotalRAMSize": 51200,
                "maxServerMeta": 128,
                "maxImageMeta": 128,
                "maxPersonality": 5,
                "maxPersonalitySize": 10240,
                "maxTotalKeypairs": 100,
                "maxServerGroups": 10,
                "maxServerGroupMembers": 10,
                "maxSecurityGroups": 10,
                "maxSecurityGroupRules": 20,
                "maxTotalFloatingIps": 10,
                "totalInstancesUsed": 2,
                "totalCoresUsed": 3,
                "totalRAMUsed": 1536,
                "totalServerGroupsUsed": 1,
                "totalSecurityGroupsUsed": 0,
                "totalFloatingIpsUsed": 0,
            },
        }
    }


def test_limits_follow_project_quota(api):
    api.call(f"/os-quota-sets/{PROJECT}", "PUT", {"quota_set": {"instances": 3}}, token=ADMIN)
    assert api.call("/limits").json["limits"]["absolute"]["maxTotalInstances"] == 3
    assert api.call("/limits", token=BOB).json["limits"]["absolute"]["maxTotalInstances"] == 10


def test_limits_of_another_project_is_admin_only(api):
    api.server(project_id=OTHER_PROJECT)
    message = fault(api.call(f"/limits?tenant_id={OTHER_PROJECT}"), 403)
    assert message == policy_message("os_compute_api:limits:other_project")
    resp = api.call(f"/limits?tenant_id={OTHER_PROJECT}", token=ADMIN)
    assert resp.json["limits"]["absolute"]["totalInstancesUsed"] == 1


def test_show_and_defaults(api):
    for path in (f"/os-quota-sets/{PROJECT}", f"/os-quota-sets/{PROJECT}/defaults"):
        resp = api.call(path)
        assert resp.status_int == 200
        assert resp.json == {"quota_set": {"id": PROJECT, **DEFAULTS}}


def test_detail_shows_usage(api):
    api.server(memory_mb=256, vcpus=2)
    api.call("/os-keypairs", "POST", {"keypair": {"name": "k"}})
    quota_set = api.call(f"/os-quota-sets/{PROJECT}/detail").json["quota_set"]
    assert set(quota_set) == QUOTA_KEYS | {"id"}
    assert quota_set["id"] == PROJECT
    assert quota_set["instances"] == {"in_use": 1, "limit": 10, "reserved": 0}
    assert quota_set["cores"] == {"in_use": 2, "limit": 20, "reserved": 0}
    assert quota_set["ram"] == {"in_use": 256, "limit": 51200, "reserved": 0}
    assert quota_set["floating_ips"] == {"in_use": 0, "limit": 10, "reserved": 0}
    alice = api.call(f"/os-quota-sets/{PROJECT}/detail?user_id=alice").json["quota_set"]
    assert alice["key_pairs"] == {"in_use": 1, "limit": 100, "reserved": 0}


def test_other_project_quotas_are_forbidden(api):
    for suffix in ("", "/detail"):
        resp = api.call(f"/os-quota-sets/{OTHER_PROJECT}{suffix}")
        rule = "show" if not suffix else "detail"
        assert fault(resp, 403) == policy_message(f"os_compute_api:os-quota-sets:{rule}")
    assert api.call(f"/os-quota-sets/{OTHER_PROJECT}", token=ADMIN).status_int == 200


def test_update_and_delete(api):
    body = {"quota_set": {"instances": 50, "cores": "40", "injected_file_path_bytes": 100}}
    resp = api.call(f"/os-quota-sets/{PROJECT}", "PUT", body, token=ADMIN)
    assert resp.status_int == 200
    quota_set = resp.json["quota_set"]
    assert "id" not in quota_set
    assert set(quota_set) == QUOTA_KEYS
    assert (quota_set["instances"], quota_set["cores"]) == (50, 40)
    assert quota_set["injected_file_path_bytes"] == 100
    shown = api.call(f"/os-quota-sets/{PROJECT}").json["quota_set"]
    assert shown["instances"] == 50
    resp = api.call(f"/os-quota-sets/{PROJECT}", "DELETE", token=ADMIN)
    assert resp.status_int == 202
    assert api.call(f"/os-quota-sets/{PROJECT}").json["quota_set"]["instances"] == 10


def test_user_quota(api):
    api.call(
        f"/os-quota-sets/{PROJECT}?user_id=alice",
        "PUT",
        {"quota_set": {"key_pairs": 2}},
        token=ADMIN,
    )
    assert api.call(f"/os-quota-sets/{PROJECT}?user_id=alice").json["quota_set"]["key_pairs"] == 2
    assert api.call(f"/os-quota-sets/{PROJECT}").json["quota_set"]["key_pairs"] == 100
    resp = api.call(
        f"/os-quota-sets/{PROJECT}?user_id=alice",
        "PUT",
        {"quota_set": {"key_pairs": 101}},
        token=ADMIN,
    )
    assert fault(resp, 400) == "Quota limit 101 for key_pairs must be less than or equal to 100."
    api.call(f"/os-quota-sets/{PROJECT}?user_id=alice", "DELETE", token=ADMIN)
    assert api.call(f"/os-quota-sets/{PROJECT}?user_id=alice").json["quota_set"]["key_pairs"] == 100


def test_update_below_usage_needs_force(api):
    api.server()
    api.server()
    resp = api.call(
        f"/os-quota-sets/{PROJECT}", "PUT", {"quota_set": {"instances": 1}}, token=ADMIN
    )
    assert fault(resp, 400) == (
        "Quota limit 1 for instances must be greater than or equal to already used and reserved 2."
    )
    body = {"quota_set": {"instances": 1, "force": True}}
    assert (
        api.call(f"/os-quota-sets/{PROJECT}", "PUT", body, token=ADMIN).json["quota_set"][
            "instances"
        ]
        == 1
    )
    body = {"quota_set": {"instances": -1}}
    assert (
        api.call(f"/os-quota-sets/{PROJECT}", "PUT", body, token=ADMIN).json["quota_set"][
            "instances"
        ]
        == -1
    )


def test_update_and_delete_are_admin_only(api):
    resp = api.call(f"/os-quota-sets/{PROJECT}", "PUT", {"quota_set": {"instances": 1}})
    assert fault(resp, 403) == policy_message("os_compute_api:os-quota-sets:update")
    resp = api.call(f"/os-quota-sets/{PROJECT}", "DELETE")
    assert fault(resp, 403) == policy_message("os_compute_api:os-quota-sets:delete")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"quota_set": {"instances": -2}}, "quota_set/instances"),
        ({"quota_set": {"instances": "many"}}, "quota_set/instances"),
        ({"quota_set": {"volumes": 1}}, "quota_set"),
        ({"quota_set": {"force": "sure"}}, "quota_set/force"),
        ({"instances": 1}, "quota_set"),
    ],
)
def test_update_schema_errors(api, body, field):
    message = fault(api.call(f"/os-quota-sets/{PROJECT}", "PUT", body, token=ADMIN), 400)
    assert message.startswith(f"Invalid input for field/attribute {field}.")
