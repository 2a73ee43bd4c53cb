"""os-aggregates through nova-api: CRUD, hosts, metadata and availability zones."""

from __future__ import annotations

import pytest

from tests.unit.compute.api.resource_fakes import (  # noqa: F401  (fixture)
    ADMIN,
    api_fixture,
    fault,
    policy_message,
)

FULL_KEYS = {
    "id",
    "name",
    "availability_zone",
    "created_at",
    "updated_at",
    "deleted_at",
    "deleted",
    "hosts",
    "metadata",
}


@pytest.fixture
def hosts(api):
    for host in ("compute1", "compute2"):
        api.service(host)
    return api


def _create(api, name, zone=None):
    spec = {"name": name}
    if zone is not None:
        spec["availability_zone"] = zone
    resp = api.call("/os-aggregates", "POST", {"aggregate": spec}, token=ADMIN)
    assert resp.status_int == 200, resp.text
    return resp.json["aggregate"]


def _action(api, agg_id, body):
    return api.call(f"/os-aggregates/{agg_id}/action", "POST", body, token=ADMIN)


def test_create_show_list_update_delete(hosts):
    created = _create(hosts, "rack1", "az1")
    assert set(created) == FULL_KEYS - {"hosts", "metadata"}
    assert (created["name"], created["availability_zone"]) == ("rack1", "az1")
    assert (created["deleted"], created["deleted_at"], created["updated_at"]) == (False, None, None)
    assert isinstance(created["id"], int) and created["created_at"]
    shown = hosts.call(f"/os-aggregates/{created['id']}", token=ADMIN).json["aggregate"]
    assert set(shown) == FULL_KEYS
    assert shown["hosts"] == []
    assert shown["metadata"] == {"availability_zone": "az1"}
    _create(hosts, "rack2")
    listed = hosts.call("/os-aggregates", token=ADMIN).json["aggregates"]
    assert [(a["name"], a["availability_zone"]) for a in listed] == [
        ("rack1", "az1"),
        ("rack2", None),
    ]
    resp = hosts.call(
        f"/os-aggregates/{created['id']}",
        "PUT",
        {"aggregate": {"name": "rack-one", "availability_zone": "az9"}},
        token=ADMIN,
    )
    assert resp.status_int == 200
    updated = resp.json["aggregate"]
    assert (updated["name"], updated["availability_zone"]) == ("rack-one", "az9")
    assert updated["metadata"] == {"availability_zone": "az9"}
    resp = hosts.call(f"/os-aggregates/{created['id']}", "DELETE", token=ADMIN)
    assert resp.status_int == 200
    assert resp.body == b""
    message = fault(hosts.call(f"/os-aggregates/{created['id']}", token=ADMIN), 404)
    assert message == f"Aggregate {created['id']} could not be found."


def test_duplicate_name_is_conflict(hosts):
    _create(hosts, "rack1")
    resp = hosts.call("/os-aggregates", "POST", {"aggregate": {"name": "rack1"}}, token=ADMIN)
    assert fault(resp, 409) == "Aggregate rack1 already exists."


def test_hosts_and_metadata(hosts):
    agg = _create(hosts, "rack1", "az1")
    resp = _action(hosts, agg["id"], {"add_host": {"host": "compute1"}})
    assert resp.status_int == 200
    assert resp.json["aggregate"]["hosts"] == ["compute1"]
    again = _action(hosts, agg["id"], {"add_host": {"host": "compute1"}})
    assert fault(again, 409) == f"Aggregate {agg['id']} already has host compute1."
    unknown = _action(hosts, agg["id"], {"add_host": {"host": "nowhere"}})
    assert fault(unknown, 404) == "Compute host nowhere could not be found."
    resp = _action(hosts, agg["id"], {"set_metadata": {"metadata": {"ssd": "true", "gpu": "1"}}})
    assert resp.json["aggregate"]["metadata"] == {
        "availability_zone": "az1",
        "ssd": "true",
        "gpu": "1",
    }
    resp = _action(hosts, agg["id"], {"set_metadata": {"metadata": {"gpu": None}}})
    assert resp.json["aggregate"]["metadata"] == {"availability_zone": "az1", "ssd": "true"}
    not_empty = hosts.call(f"/os-aggregates/{agg['id']}", "DELETE", token=ADMIN)
    assert fault(not_empty, 400) == (
        f"Cannot remove host from aggregate {agg['id']}. Reason: Host aggregate is not empty."
    )
    resp = _action(hosts, agg["id"], {"remove_host": {"host": "compute1"}})
    assert resp.json["aggregate"]["hosts"] == []
    missing = _action(hosts, agg["id"], {"remove_host": {"host": "compute1"}})
    assert fault(missing, 404) == f"Aggregate {agg['id']} has no host compute1."


def test_a_host_is_in_one_zone_only(hosts):
    az1 = _create(hosts, "a", "az1")
    az2 = _create(hosts, "b", "az2")
    plain = _create(hosts, "c")
    assert _action(hosts, az1["id"], {"add_host": {"host": "compute1"}}).status_int == 200
    resp = _action(hosts, az2["id"], {"add_host": {"host": "compute1"}})
    assert fault(resp, 409) == (
        f"Cannot add host to aggregate {az2['id']}. Reason: One or more hosts already in "
        "availability zone(s) ['az1']."
    )
    # An aggregate without a zone takes any host, but may not then get a conflicting zone.
    assert _action(hosts, plain["id"], {"add_host": {"host": "compute1"}}).status_int == 200
    resp = _action(hosts, plain["id"], {"set_metadata": {"metadata": {"availability_zone": "az2"}}})
    assert "One or more hosts already in availability zone(s) ['az1']" in fault(resp, 400)
    resp = hosts.call(
        f"/os-aggregates/{plain['id']}",
        "PUT",
        {"aggregate": {"availability_zone": "az2"}},
        token=ADMIN,
    )
    assert fault(resp, 400).startswith(f"Cannot update aggregate {plain['id']}.")
    same = _action(hosts, plain["id"], {"set_metadata": {"metadata": {"availability_zone": "az1"}}})
    assert same.status_int == 200


@pytest.mark.parametrize(
    ("method", "path", "body", "rule"),
    [
        ("GET", "/os-aggregates", None, "index"),
        ("POST", "/os-aggregates", {"aggregate": {"name": "x"}}, "create"),
        ("GET", "/os-aggregates/1", None, "show"),
        ("PUT", "/os-aggregates/1", {"aggregate": {"name": "y"}}, "update"),
        ("DELETE", "/os-aggregates/1", None, "delete"),
        ("POST", "/os-aggregates/1/action", {"add_host": {"host": "h"}}, "add_host"),
        ("POST", "/os-aggregates/1/action", {"remove_host": {"host": "h"}}, "remove_host"),
        (
            "POST",
            "/os-aggregates/1/action",
            {"set_metadata": {"metadata": {"k": "v"}}},
            "set_metadata",
        ),
    ],
)
def test_aggregates_are_admin_only(api, method, path, body, rule):
    resp = api.call(path, method, body)
    assert fault(resp, 403) == policy_message(f"os_compute_api:os-aggregates:{rule}")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/os-aggregates", {"aggregate": {}}),
        ("POST", "/os-aggregates", {"aggregate": {"name": " x"}}),
        ("POST", "/os-aggregates", {"aggregate": {"name": "x", "hosts": []}}),
        ("PUT", "/os-aggregates/1", {"aggregate": {}}),
        ("POST", "/os-aggregates/1/action", {"add_host": {}}),
        ("POST", "/os-aggregates/1/action", {"set_metadata": {"metadata": {}}}),
        ("POST", "/os-aggregates/1/action", {"set_metadata": {"metadata": {"bad/key": "v"}}}),
    ],
)
def test_schema_errors(api, method, path, body):
    assert fault(api.call(path, method, body, token=ADMIN), 400).startswith(
        "Invalid input for field/attribute"
    )


def test_aggregate_id_must_be_an_integer(api):
    message = fault(api.call("/os-aggregates/abc", token=ADMIN), 400)
    assert message == "Invalid input received: id must be an integer"
