"""flavors, flavor-manage, os-extra_specs and os-flavor-access through nova-api."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.unit.compute.api.resource_fakes import (  # noqa: F401  (fixture)
    ADMIN,
    ALICE,
    BOB,
    PROJECT,
    api_fixture,
    fault,
    policy_message,
)

DETAIL_KEYS = {
    "id",
    "name",
    "ram",
    "disk",
    "swap",
    "vcpus",
    "rxtx_factor",
    "OS-FLV-EXT-DATA:ephemeral",
    "OS-FLV-DISABLED:disabled",
    "os-flavor-access:is_public",
    "links",
}


@pytest.fixture
def seeded(api):
    api.flavor("1", "m1.tiny", memory_mb=512, root_gb=1)
    api.flavor("2", "m1.small", memory_mb=2048, root_gb=20, vcpus=1, swap=512)
    api.flavor("3", "m1.medium", memory_mb=4096, root_gb=40, vcpus=2, ephemeral_gb=5)
    api.flavor("secret", "private.big", memory_mb=8192, is_public=False, projects=[PROJECT])
    api.flavor("hidden", "private.other", is_public=False)
    api.flavor("old", "m1.retired", disabled=True)
    return api


def _ids(resp) -> list[str]:
    return [f["id"] for f in resp.json["flavors"]]


def test_list_shows_public_and_accessible_private_flavors(seeded):
    resp = seeded.call("/flavors")
    assert resp.status_int == 200
    assert _ids(resp) == ["1", "2", "3", "secret"]
    tiny = resp.json["flavors"][0]
    assert set(tiny) == {"id", "name", "links"}
    assert tiny["links"] == [
        {"rel": "self", "href": "http://localhost/v2.1/flavors/1"},
        {"rel": "bookmark", "href": "http://localhost/flavors/1"},
    ]
    assert "flavors_links" not in resp.json


def test_other_project_sees_no_private_flavor_and_gets_404(seeded):
    assert _ids(seeded.call("/flavors", token=BOB)) == ["1", "2", "3"]
    message = fault(seeded.call("/flavors/secret", token=BOB), 404)
    assert message == "Flavor secret could not be found."
    assert seeded.call("/flavors/secret", token=ALICE).status_int == 200
    fault(seeded.call("/flavors/secret/os-extra_specs", token=BOB), 404)


def test_detail_fields(seeded):
    resp = seeded.call(f"/{PROJECT}/flavors/detail")
    flavors = {f["id"]: f for f in resp.json["flavors"]}
    assert all(set(f) == DETAIL_KEYS for f in flavors.values())
    assert flavors["2"] == {
        "id": "2",
        "name": "m1.small",
        "ram": 2048,
        "disk": 20,
        "swap": 512,
        "vcpus": 1,
        "rxtx_factor": 1.0,
        "OS-FLV-EXT-DATA:ephemeral": 0,
        "OS-FLV-DISABLED:disabled": False,
        "os-flavor-access:is_public": True,
        "links": [
            {"rel": "self", "href": f"http://localhost/v2.1/{PROJECT}/flavors/2"},
            {"rel": "bookmark", "href": f"http://localhost/{PROJECT}/flavors/2"},
        ],
    }
    assert flavors["1"]["swap"] == ""  # no swap is an empty string
    assert flavors["3"]["OS-FLV-EXT-DATA:ephemeral"] == 5
    assert flavors["secret"]["os-flavor-access:is_public"] is False


def test_show(seeded):
    resp = seeded.call("/flavors/3")
    assert resp.status_int == 200
    assert set(resp.json["flavor"]) == DETAIL_KEYS
    assert resp.json["flavor"]["vcpus"] == 2
    assert fault(seeded.call("/flavors/nope"), 404) == "Flavor nope could not be found."


def test_min_ram_and_min_disk_filters(seeded):
    assert _ids(seeded.call("/flavors?minRam=2048")) == ["2", "3", "secret"]
    assert _ids(seeded.call("/flavors/detail?minDisk=30")) == ["3"]
    assert fault(seeded.call("/flavors?minRam=big"), 400) == "Invalid minRam filter [big]"
    assert fault(seeded.call("/flavors?minDisk=x"), 400) == "Invalid minDisk filter [x]"


def test_admin_is_public_filter(seeded):
    assert _ids(seeded.call("/flavors", token=ADMIN)) == ["1", "2", "3", "old"]
    assert _ids(seeded.call("/flavors?is_public=false", token=ADMIN)) == ["hidden", "secret"]
    every = _ids(seeded.call("/flavors?is_public=none", token=ADMIN))
    assert every == ["1", "2", "3", "hidden", "old", "secret"]
    message = fault(seeded.call("/flavors?is_public=maybe", token=ADMIN), 400)
    assert message == "Invalid is_public filter [maybe]"
    # A non-admin's is_public is ignored, and disabled flavors stay hidden.
    assert _ids(seeded.call("/flavors?is_public=none")) == ["1", "2", "3", "secret"]


def test_sort_and_pagination(seeded):
    resp = seeded.call("/flavors?sort_key=memory_mb&sort_dir=desc&limit=2")
    assert _ids(resp) == ["secret", "3"]
    (link,) = resp.json["flavors_links"]
    assert link["rel"] == "next"
    parts = urlsplit(link["href"])
    assert parts.path == "/v2.1/flavors"
    assert parse_qs(parts.query) == {
        "limit": ["2"],
        "marker": ["3"],
        "sort_dir": ["desc"],
        "sort_key": ["memory_mb"],
    }
    page2 = seeded.call(f"/flavors?{parts.query}")
    assert _ids(page2) == ["2", "1"]
    assert _ids(seeded.call(f"/flavors?{parts.query}".replace("limit=2", "limit=5"))) == ["2", "1"]
    detail = seeded.call("/flavors/detail?limit=1")
    assert urlsplit(detail.json["flavors_links"][0]["href"]).path == "/v2.1/flavors/detail"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("marker=nope", "Marker [nope] not found"),
        ("limit=-1", "Invalid input received: limit must be >= 0"),
        ("limit=x", "Invalid input received: limit must be an integer"),
        ("sort_key=bogus", "Sort key supplied was not valid."),
    ],
)
def test_bad_list_parameters(seeded, query, message):
    assert fault(seeded.call(f"/flavors?{query}"), 400) == message


def test_marker_of_invisible_private_flavor_is_bad_request(seeded):
    fault(seeded.call("/flavors?marker=hidden", token=BOB), 400)


# -- flavor-manage -------------------------------------------------------------------------


def test_create_flavor_as_admin(api):
    body = {
        "flavor": {
            "name": "m1.custom",
            "id": 10,
            "ram": "1024",
            "vcpus": 2,
            "disk": 10,
            "OS-FLV-EXT-DATA:ephemeral": 1,
            "swap": 128,
            "rxtx_factor": 2.5,
            "os-flavor-access:is_public": "false",
        }
    }
    resp = api.call("/flavors", "POST", body, token=ADMIN)
    assert resp.status_int == 200
    flavor = resp.json["flavor"]
    assert flavor["id"] == "10"
    assert (flavor["ram"], flavor["vcpus"], flavor["disk"], flavor["swap"]) == (1024, 2, 10, 128)
    assert flavor["OS-FLV-EXT-DATA:ephemeral"] == 1
    assert flavor["rxtx_factor"] == 2.5
    assert flavor["os-flavor-access:is_public"] is False
    assert api.call("/flavors/10", token=ADMIN).json["flavor"] == flavor


def test_create_without_id_gets_a_uuid(api):
    body = {"flavor": {"name": "auto", "ram": 64, "vcpus": 1, "disk": 0, "id": None}}
    flavor = api.call("/flavors", "POST", body, token=ADMIN).json["flavor"]
    assert len(flavor["id"]) == 36 and flavor["id"].count("-") == 4
    assert flavor["swap"] == ""
    assert flavor["rxtx_factor"] == 1.0
    assert flavor["os-flavor-access:is_public"] is True


def test_create_is_admin_only(api):
    body = {"flavor": {"name": "x", "ram": 64, "vcpus": 1, "disk": 0}}
    message = fault(api.call("/flavors", "POST", body), 403)
    assert message == policy_message("os_compute_api:os-flavor-manage:create")


def test_duplicate_name_or_id_is_conflict(api):
    api.flavor("1", "m1.tiny")
    dup_name = {"flavor": {"name": "m1.tiny", "ram": 64, "vcpus": 1, "disk": 0}}
    assert fault(api.call("/flavors", "POST", dup_name, token=ADMIN), 409) == (
        "Flavor with name m1.tiny already exists."
    )
    dup_id = {"flavor": {"name": "other", "id": "1", "ram": 64, "vcpus": 1, "disk": 0}}
    assert fault(api.call("/flavors", "POST", dup_id, token=ADMIN), 409) == (
        "Flavor with ID 1 already exists."
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ram": 0}, "flavor/ram"),
        ({"vcpus": -1}, "flavor/vcpus"),
        ({"disk": "ten"}, "flavor/disk"),
        ({"name": " padded"}, "flavor/name"),
        ({"name": ""}, "flavor/name"),
        ({"id": "bad/id"}, "flavor/id"),
        ({"rxtx_factor": 0}, "flavor/rxtx_factor"),
        ({"os-flavor-access:is_public": "perhaps"}, "flavor/os-flavor-access:is_public"),
        ({"color": "red"}, "flavor"),
    ],
)
def test_create_schema_errors(api, changes, field):
    spec = {"name": "x", "ram": 64, "vcpus": 1, "disk": 0, **changes}
    message = fault(api.call("/flavors", "POST", {"flavor": spec}, token=ADMIN), 400)
    assert message.startswith(f"Invalid input for field/attribute {field}.")


def test_create_checks_integer_strings_after_the_schema(api):
    spec = {"name": "x", "ram": "0", "vcpus": 1, "disk": 0}
    message = fault(api.call("/flavors", "POST", {"flavor": spec}, token=ADMIN), 400)
    assert message == "Invalid input received: ram must be >= 1"


def test_missing_required_field(api):
    message = fault(api.call("/flavors", "POST", {"flavor": {"name": "x"}}, token=ADMIN), 400)
    assert "'ram' is a required property" in message


def test_delete_flavor(api):
    api.flavor("1")
    assert fault(api.call("/flavors/1", "DELETE"), 403) == policy_message(
        "os_compute_api:os-flavor-manage:delete"
    )
    resp = api.call("/flavors/1", "DELETE", token=ADMIN)
    assert resp.status_int == 202
    assert resp.body == b""
    fault(api.call("/flavors/1"), 404)
    fault(api.call("/flavors/1", "DELETE", token=ADMIN), 404)


# -- extra specs -----------------------------------------------------------------------------


def test_extra_specs_crud(api):
    api.flavor("1")
    base = "/flavors/1/os-extra_specs"
    assert api.call(base).json == {"extra_specs": {}}
    body = {"extra_specs": {"hw:cpu_policy": "dedicated", "quota:cpu_shares": 1024, "x": True}}
    resp = api.call(base, "POST", body, token=ADMIN)
    assert resp.status_int == 200
    expected = {"hw:cpu_policy": "dedicated", "quota:cpu_shares": "1024", "x": "True"}
    assert resp.json == {"extra_specs": expected}
    assert api.call(base).json == {"extra_specs": expected}
    assert api.call(f"{base}/hw:cpu_policy").json == {"hw:cpu_policy": "dedicated"}
    resp = api.call(f"{base}/hw:cpu_policy", "PUT", {"hw:cpu_policy": "shared"}, token=ADMIN)
    assert resp.json == {"hw:cpu_policy": "shared"}
    assert api.call(base, "POST", {"extra_specs": {"y": "1"}}, token=ADMIN).status_int == 200
    assert set(api.call(base).json["extra_specs"]) == {
        "hw:cpu_policy",
        "quota:cpu_shares",
        "x",
        "y",
    }
    resp = api.call(f"{base}/x", "DELETE", token=ADMIN)
    assert resp.status_int == 202
    assert "x" not in api.call(base).json["extra_specs"]
    assert fault(api.call(f"{base}/x"), 404) == "Flavor 1 has no extra specs with key x."
    fault(api.call(f"{base}/x", "DELETE", token=ADMIN), 404)


def test_extra_specs_errors(api):
    api.flavor("1")
    base = "/flavors/1/os-extra_specs"
    assert fault(api.call(base, "POST", {"extra_specs": {"a": "b"}}), 403) == policy_message(
        "os_compute_api:os-flavor-extra-specs:create"
    )
    message = fault(api.call(f"{base}/a", "PUT", {"b": "c"}, token=ADMIN), 400)
    assert message == "Request body and URI mismatch"
    message = fault(api.call(f"{base}/a", "PUT", {"a": "1", "b": "2"}, token=ADMIN), 400)
    assert message.startswith("Invalid input for field/attribute body.")
    fault(api.call(base, "POST", {"extra_specs": {"bad/key": "v"}}, token=ADMIN), 400)
    fault(api.call(base, "POST", {"extra_specs": {"k": "v" * 256}}, token=ADMIN), 400)
    fault(api.call("/flavors/99/os-extra_specs", "POST", {"extra_specs": {}}, token=ADMIN), 404)


# -- flavor access ---------------------------------------------------------------------------


def test_flavor_access_actions(api):
    api.flavor("p", is_public=False)
    api.flavor("pub")
    access = "/flavors/p/os-flavor-access"
    assert api.call(access, token=ADMIN).json == {"flavor_access": []}
    fault(api.call("/flavors/p", token=BOB), 404)
    resp = api.call(
        "/flavors/p/action", "POST", {"addTenantAccess": {"tenant": "e5f6a7b8"}}, token=ADMIN
    )
    assert resp.status_int == 200
    assert resp.json == {"flavor_access": [{"flavor_id": "p", "tenant_id": "e5f6a7b8"}]}
    assert api.call("/flavors/p", token=BOB).status_int == 200
    again = api.call(
        "/flavors/p/action", "POST", {"addTenantAccess": {"tenant": "e5f6a7b8"}}, token=ADMIN
    )
    assert re.fullmatch(
        r"Flavor access already exists for flavor \d+ and project e5f6a7b8 combination\.",
        fault(again, 409),
    )
    resp = api.call(
        "/flavors/p/action", "POST", {"removeTenantAccess": {"tenant": "e5f6a7b8"}}, token=ADMIN
    )
    assert resp.json == {"flavor_access": []}
    fault(api.call("/flavors/p", token=BOB), 404)
    fault(
        api.call(
            "/flavors/p/action", "POST", {"removeTenantAccess": {"tenant": "e5f6a7b8"}}, token=ADMIN
        ),
        404,
    )
    public = api.call(
        "/flavors/pub/action", "POST", {"addTenantAccess": {"tenant": "x"}}, token=ADMIN
    )
    assert fault(public, 409) == "Can not add access to a public flavor."
    message = fault(api.call("/flavors/pub/os-flavor-access", token=ADMIN), 404)
    assert message == "Access list not available for public flavors."


def test_flavor_access_is_admin_only_and_validated(api):
    api.flavor("p", is_public=False, projects=[PROJECT])
    assert fault(api.call("/flavors/p/os-flavor-access"), 403) == policy_message(
        "os_compute_api:os-flavor-access"
    )
    resp = api.call("/flavors/p/action", "POST", {"addTenantAccess": {"tenant": "x"}})
    assert fault(resp, 403) == policy_message("os_compute_api:os-flavor-access:add_tenant_access")
    resp = api.call("/flavors/p/action", "POST", {"addTenantAccess": {}}, token=ADMIN)
    assert "'tenant' is a required property" in fault(resp, 400)
    resp = api.call("/flavors/p/action", "POST", {"explode": {}}, token=ADMIN)
    assert fault(resp, 400) == "There is no such action: explode"
