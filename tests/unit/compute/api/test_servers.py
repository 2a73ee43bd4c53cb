"""/servers through the nova-api paste pipeline: create, show, list/detail with filters,
sorting and pages, update, delete; schema errors, tenant isolation and quotas."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest

from common.config import CONF
from common.context import get_admin_context
from compute import objects
from tests.unit.compute.api.servers_env import ADMIN, BOB, CAROL, make_cloud


@pytest.fixture
def cloud(tmp_path):
    yield from make_cloud(tmp_path)


DETAIL_KEYS = {
    "id", "name", "status", "tenant_id", "user_id", "metadata", "hostId", "image",
    "flavor", "created", "updated", "addresses", "accessIPv4", "accessIPv6", "links",
    "OS-DCF:diskConfig", "key_name", "config_drive", "OS-EXT-AZ:availability_zone",
    "OS-EXT-STS:vm_state", "OS-EXT-STS:task_state", "OS-EXT-STS:power_state",
    "OS-SRV-USG:launched_at", "OS-SRV-USG:terminated_at",
    "os-extended-volumes:volumes_attached", "security_groups",
}  # fmt: skip
ADMIN_KEYS = {
    "OS-EXT-SRV-ATTR:host",
    "OS-EXT-SRV-ATTR:hypervisor_hostname",
    "OS-EXT-SRV-ATTR:instance_name",
}


def fault_message(res):
    (body,) = res.json.values()
    return body["message"]


# -- create ----------------------------------------------------------------------------


def test_create_answers_202_with_nova_shape_and_casts_build(cloud):
    body = {
        "server": {
            "name": "web",
            "flavorRef": "http://localhost/flavors/1",
            "imageRef": cloud.image["id"],
            "metadata": {"role": "web"},
            "user_data": base64.b64encode(b"#!/bin/sh\n").decode(),
        },
        "os:scheduler_hints": {"same_host": []},
    }
    res = cloud.post("/servers", body)
    assert res.status_int == 202
    server = res.json["server"]
    assert set(server) == {"id", "links", "adminPass", "OS-DCF:diskConfig", "security_groups"}
    assert len(server["adminPass"]) == CONF.password_length
    assert server["OS-DCF:diskConfig"] == "MANUAL"
    assert server["security_groups"] == [{"name": "default"}]
    assert res.headers["Location"] == f"http://localhost/v2.1/servers/{server['id']}"
    assert server["links"][0] == {"rel": "self", "href": res.headers["Location"]}
    assert server["links"][1]["href"] == f"http://localhost/servers/{server['id']}"

    (build,) = cloud.conductor.wait_for("build_instances")
    (instance,) = build["instances"]
    assert instance.uuid == server["id"]
    assert build["admin_password"] == server["adminPass"]
    assert build["image"]["id"] == cloud.image["id"]
    spec = build["request_spec"]
    assert spec.flavor.flavorid == "1" and spec.num_instances == 1
    assert spec.scheduler_hints == {"same_host": []}

    stored = cloud.instance(server["id"])
    assert (stored.vm_state, stored.task_state, stored.power_state) == ("building", "scheduling", 0)
    assert stored.metadata == {"role": "web"} and stored.memory_mb == 512
    assert stored.system_metadata["image_os_distro"] == "cirros"
    assert stored.hostname == "web"


def test_create_project_id_in_url_is_kept_in_links(cloud):
    body = {"server": {"name": "a", "flavorRef": "1", "imageRef": cloud.image["id"]}}
    res = cloud.post("/0a11ce/servers", body)
    assert res.status_int == 202
    assert res.headers["Location"].startswith("http://localhost/v2.1/0a11ce/servers/")


def test_create_several_with_reservation_id(cloud):
    body = {
        "server": {
            "name": "batch",
            "flavorRef": "1",
            "imageRef": cloud.image["id"],
            "min_count": "2",
            "max_count": 3,
            "return_reservation_id": True,
        }
    }
    res = cloud.post("/servers", body)
    assert res.status_int == 202
    reservation = res.json["reservation_id"]
    assert reservation.startswith("r-") and len(reservation) == 10
    listed = cloud.get(f"/servers?reservation_id={reservation}&sort_key=display_name&sort_dir=asc")
    assert [s["name"] for s in listed.json["servers"]] == ["batch-1", "batch-2", "batch-3"]
    (build,) = cloud.conductor.wait_for("build_instances")
    assert len(build["instances"]) == 3 and build["request_spec"].num_instances == 3


@pytest.mark.parametrize(
    ("server", "field"),
    [
        ({"flavorRef": "1"}, "name"),
        ({"name": "", "flavorRef": "1"}, "name"),
        ({"name": "x" * 256, "flavorRef": "1"}, "name"),
        ({"name": " lead", "flavorRef": "1"}, "name"),
        ({"name": "a"}, "flavorRef"),
        ({"name": "a", "flavorRef": "1", "min_count": 0}, "min_count"),
        ({"name": "a", "flavorRef": "1", "max_count": "two"}, "max_count"),
        ({"name": "a", "flavorRef": "1", "metadata": {"k": "v" * 256}}, "k"),
        ({"name": "a", "flavorRef": "1", "metadata": {"k" * 256: "v"}}, "metadata"),
        ({"name": "a", "flavorRef": "1", "bogus": 1}, "server"),
        ({"name": "a", "flavorRef": "1", "accessIPv4": "1.2.3"}, "accessIPv4"),
    ],
)
def test_create_schema_errors_are_400_naming_the_field(cloud, server, field):
    server.setdefault("imageRef", cloud.image["id"])
    res = cloud.post("/servers", {"server": server})
    assert res.status_int == 400
    message = res.json["badRequest"]["message"]
    assert message.startswith("Invalid input for field/attribute ")
    assert field in message.split(".")[0]
    assert cloud.conductor.names() == []


def test_create_refusals_with_nova_messages(cloud):
    image = cloud.image["id"]
    cases = [
        ({"flavorRef": "999", "imageRef": image}, "Invalid flavorRef provided."),
        ({"flavorRef": "1", "imageRef": "not-a-uuid"}, "Invalid imageRef provided."),
        (
            {"flavorRef": "1", "imageRef": "7c6f1d2e-0000-4000-8000-000000000000"},
            "Can not find requested image",
        ),
        ({"flavorRef": "1", "imageRef": image, "key_name": "nokey"}, "Invalid key_name provided."),
        (
            {"flavorRef": "1", "imageRef": image, "min_count": 3, "max_count": 2},
            "Invalid input received: min_count must be <= max_count",
        ),
        (
            {"flavorRef": "1", "imageRef": image, "availability_zone": "elsewhere"},
            "The requested availability zone is not available",
        ),
        (
            {"flavorRef": "1", "imageRef": image, "user_data": "not base64!"},
            "Invalid input for field/attribute user_data. Value: not base64!. "
            "'not base64!' is not a 'base64'",
        ),
    ]
    for extra, message in cases:
        res = cloud.post("/servers", {"server": {"name": "a", **extra}})
        assert res.status_int == 400, (extra, res.body)
        assert res.json["badRequest"]["message"] == message
    assert cloud.conductor.names() == []


def test_create_image_too_big_for_flavor_min_ram(cloud):
    small = cloud.store.create(
        get_admin_context(),
        {"name": "big", "disk_format": "raw", "container_format": "bare",
         "visibility": "public", "min_ram": 4096},
        data=b"x",
    )  # fmt: skip
    res = cloud.post(
        "/servers", {"server": {"name": "a", "flavorRef": "1", "imageRef": small["id"]}}
    )
    assert res.status_int == 400
    assert fault_message(res) == "Flavor's memory is too small for requested image."


def test_forced_host_is_for_admins(cloud):
    server = {
        "name": "a",
        "flavorRef": "1",
        "imageRef": cloud.image["id"],
        "availability_zone": "nova:compute2",
    }
    res = cloud.post("/servers", {"server": server})
    assert res.status_int == 403
    assert fault_message(res) == (
        "Policy doesn't allow os_compute_api:servers:create:forced_host to be performed."
    )
    res = cloud.post("/servers", {"server": server}, token=ADMIN)
    assert res.status_int == 202
    (build,) = cloud.conductor.wait_for("build_instances")
    assert build["request_spec"].force_hosts == ["compute2"]
    assert build["request_spec"].availability_zone == "nova"


def test_quota_exceeded_is_403_with_nova_message(cloud):
    objects.Quotas.create_limit(get_admin_context(), "0a11ce", "instances", 2)
    cloud.boot()
    cloud.boot()
    body = {"server": {"name": "a", "flavorRef": "1", "imageRef": cloud.image["id"]}}
    res = cloud.post("/servers", body)
    assert res.status_int == 403
    assert fault_message(res) == (
        "Quota exceeded for instances: Requested 1, but already used 2 of 2 instances"
    )
    # Another project is not affected.
    assert cloud.post("/servers", body, token=BOB).status_int == 202


def test_metadata_items_quota(cloud):
    objects.Quotas.create_limit(get_admin_context(), "0a11ce", "metadata_items", 1)
    res = cloud.post(
        "/servers",
        {"server": {"name": "a", "flavorRef": "1", "imageRef": cloud.image["id"],
                    "metadata": {"a": "1", "b": "2"}}},
    )  # fmt: skip
    assert res.status_int == 403
    assert fault_message(res) == "Maximum number of metadata items exceeds 1"


# -- show ------------------------------------------------------------------------------


def test_show_fields_of_an_active_server(cloud):
    server_id = cloud.boot(metadata={"a": "b"}, accessIPv4="10.0.0.5")
    instance = cloud.set_state(server_id)
    server = cloud.get(f"/servers/{server_id}").json["server"]
    assert set(server) == DETAIL_KEYS | {"progress"}
    assert server["status"] == "ACTIVE"
    assert server["tenant_id"] == "0a11ce" and server["user_id"] == "alice"
    assert server["hostId"] == hashlib.sha224(b"0a11cecompute1").hexdigest()
    assert server["image"] == {
        "id": cloud.image["id"],
        "links": [{"rel": "bookmark", "href": f"http://localhost/images/{cloud.image['id']}"}],
    }
    assert server["flavor"] == {
        "id": "1",
        "links": [{"rel": "bookmark", "href": "http://localhost/flavors/1"}],
    }
    assert server["metadata"] == {"a": "b"}
    assert server["accessIPv4"] == "10.0.0.5" and server["accessIPv6"] == ""
    assert server["OS-EXT-STS:vm_state"] == "active"
    assert server["OS-EXT-STS:task_state"] is None
    assert server["OS-EXT-STS:power_state"] == 1
    assert server["OS-EXT-AZ:availability_zone"] == "nova"
    assert server["OS-SRV-USG:launched_at"] == instance.launched_at.strftime("%Y-%m-%dT%H:%M:%S.%f")
    assert server["OS-SRV-USG:terminated_at"] is None
    assert server["created"].endswith("Z") and len(server["created"]) == 20
    assert server["progress"] == 0

    admin_view = cloud.get(f"/servers/{server_id}", token=ADMIN).json["server"]
    assert set(admin_view) == DETAIL_KEYS | ADMIN_KEYS | {"progress"}
    assert admin_view["OS-EXT-SRV-ATTR:host"] == "compute1"
    assert admin_view["OS-EXT-SRV-ATTR:hypervisor_hostname"] == "compute1"
    assert admin_view["OS-EXT-SRV-ATTR:instance_name"] == f"instance-{instance.id:08x}"


def test_show_fault_of_a_server_in_error(cloud):
    server_id = cloud.boot()
    cloud.set_state(server_id, vm_state="error", host=None, node=None, launched_at=None)
    fault = objects.InstanceFault(
        get_admin_context(),
        instance_uuid=server_id,
        code=500,
        message="No valid host was found. ",
        details="Traceback: secret",
        host="conductor",
    )
    fault.create()
    server = cloud.get(f"/servers/{server_id}").json["server"]
    assert server["status"] == "ERROR"
    assert "progress" not in server
    assert set(server["fault"]) == {"code", "created", "message"}
    assert server["fault"]["code"] == 500
    assert server["fault"]["message"] == "No valid host was found. "
    admin_fault = cloud.get(f"/servers/{server_id}", token=ADMIN).json["server"]["fault"]
    assert admin_fault["details"] == "Traceback: secret"


def test_other_projects_servers_do_not_exist(cloud):
    server_id = cloud.boot()
    missing = "3b9c1e5d-7c1a-4d52-9d1a-0f7f0e5c1a22"
    for sid in (server_id, missing, "not-a-uuid"):
        res = cloud.get(f"/servers/{sid}", token=BOB)
        assert res.status_int == 404
        assert res.json["itemNotFound"]["message"] == f"Instance {sid} could not be found."
    for method, path, body in (
        ("PUT", f"/servers/{server_id}", {"server": {"name": "x"}}),
        ("DELETE", f"/servers/{server_id}", None),
        ("POST", f"/servers/{server_id}/action", {"os-stop": None}),
        ("GET", f"/servers/{server_id}/metadata", None),
        ("GET", f"/servers/{server_id}/os-instance-actions", None),
    ):
        assert cloud.request(method, path, body, token=BOB).status_int == 404
    assert cloud.get("/servers", token=BOB).json == {"servers": []}
    # Another user of the same project sees it; an admin too.
    assert cloud.get(f"/servers/{server_id}", token=CAROL).status_int == 200
    assert cloud.get(f"/servers/{server_id}", token=ADMIN).status_int == 200


# -- lists -----------------------------------------------------------------------------


def test_index_entries_and_detail(cloud):
    server_id = cloud.boot(name="one")
    index = cloud.get("/servers").json
    assert index == {
        "servers": [
            {
                "id": server_id,
                "name": "one",
                "links": [
                    {"rel": "self", "href": f"http://localhost/v2.1/servers/{server_id}"},
                    {"rel": "bookmark", "href": f"http://localhost/servers/{server_id}"},
                ],
            }
        ]
    }
    (detail,) = cloud.get("/servers/detail").json["servers"]
    assert set(detail) == DETAIL_KEYS | {"progress"}
    (admin_detail,) = cloud.get("/servers/detail?all_tenants=1", token=ADMIN).json["servers"]
    assert ADMIN_KEYS <= set(admin_detail)


def test_filters_name_status_image_flavor(cloud):
    web = cloud.boot(name="web-1")
    db = cloud.boot(name="db-1", flavorRef="2")
    cloud.set_state(db, vm_state="stopped", power_state=4)

    def names(query):
        res = cloud.get(f"/servers{query}")
        assert res.status_int == 200, res.body
        return sorted(s["name"] for s in res.json["servers"])

    assert names("?name=^web") == ["web-1"]
    assert names("?status=SHUTOFF") == ["db-1"]
    assert names("?status=BUILD") == ["web-1"]
    assert names("?status=ACTIVE") == []
    assert names("?status=NOSUCH") == []
    assert names("?status=BUILD&status=SHUTOFF") == ["db-1", "web-1"]
    assert names("?flavor=2") == ["db-1"]
    assert names("?flavor=999") == []
    assert names(f"?image={cloud.image['id']}") == ["db-1", "web-1"]
    # Filters a project member may not use are ignored; an admin's host filter works.
    assert names("?host=compute1") == ["db-1", "web-1"]
    res = cloud.get("/servers?host=compute1&all_tenants=1", token=ADMIN)
    assert [s["id"] for s in res.json["servers"]] == [db]
    assert web


def test_all_tenants_is_for_admins(cloud):
    mine = cloud.boot()
    theirs = cloud.boot(token=BOB)
    res = cloud.get("/servers?all_tenants=1")
    assert res.status_int == 403
    assert fault_message(res) == (
        "Policy doesn't allow os_compute_api:servers:index:get_all_tenants to be performed."
    )
    assert cloud.get("/servers/detail?all_tenants=True").status_int == 403
    # An admin sees only its own project without all_tenants.
    assert cloud.get("/servers", token=ADMIN).json["servers"] == []
    everything = cloud.get("/servers?all_tenants=1", token=ADMIN).json["servers"]
    assert {s["id"] for s in everything} == {mine, theirs}
    one = cloud.get("/servers?all_tenants=1&project_id=0b0b", token=ADMIN).json["servers"]
    assert [s["id"] for s in one] == [theirs]
    assert cloud.get("/servers?all_tenants=maybe", token=ADMIN).status_int == 400


def test_sort_limit_marker_and_next_link(cloud):
    ids = [cloud.boot(name=f"vm{i}") for i in range(5)]
    res = cloud.get("/servers?limit=2&sort_key=display_name&sort_dir=asc")
    assert [s["name"] for s in res.json["servers"]] == ["vm0", "vm1"]
    (link,) = res.json["servers_links"]
    assert link["rel"] == "next"
    parts = urlsplit(link["href"])
    assert parts.path == "/v2.1/servers"
    query = parse_qs(parts.query)
    assert query["marker"] == [ids[1]] and query["limit"] == ["2"]
    page2 = cloud.get(f"/servers?{parts.query}").json
    assert [s["name"] for s in page2["servers"]] == ["vm2", "vm3"]
    detail = cloud.get("/servers/detail?limit=4&sort_key=display_name&sort_dir=desc").json
    assert [s["name"] for s in detail["servers"]] == ["vm4", "vm3", "vm2", "vm1"]
    assert urlsplit(detail["servers_links"][0]["href"]).path == "/v2.1/servers/detail"
    last = cloud.get("/servers?limit=10").json
    assert len(last["servers"]) == 5 and "servers_links" not in last


def test_list_bad_queries(cloud):
    cloud.boot()
    res = cloud.get("/servers?marker=3b9c1e5d-7c1a-4d52-9d1a-0f7f0e5c1a22")
    assert res.status_int == 400
    assert fault_message(res) == "marker [3b9c1e5d-7c1a-4d52-9d1a-0f7f0e5c1a22] not found"
    assert cloud.get("/servers?limit=-1").status_int == 400
    assert cloud.get("/servers?limit=abc").status_int == 400
    assert cloud.get("/servers?sort_key=bogus").status_int == 400
    assert cloud.get("/servers?sort_dir=up").status_int == 400
    res = cloud.get("/servers?sort_key=host")
    assert res.status_int == 403
    assert fault_message(res) == "Only administrators can sort servers by host"
    res = cloud.get("/servers?changes-since=yesterday")
    assert res.status_int == 400
    assert "changes-since" in fault_message(res)


def test_changes_since_includes_deleted_servers(cloud):
    server_id = cloud.boot()
    assert cloud.request("DELETE", f"/servers/{server_id}").status_int == 204
    assert cloud.get("/servers").json["servers"] == []
    res = cloud.get("/servers/detail?changes-since=2000-01-01T00:00:00Z")
    (server,) = res.json["servers"]
    assert server["id"] == server_id and server["status"] == "DELETED"
    assert server["OS-SRV-USG:terminated_at"] is not None


# -- update and delete -----------------------------------------------------------------


def test_update_name_and_access_ips(cloud):
    server_id = cloud.boot()
    body = {"server": {"name": "renamed", "accessIPv4": "192.0.2.1", "accessIPv6": "2001:db8::1"}}
    res = cloud.request("PUT", f"/servers/{server_id}", body)
    assert res.status_int == 200
    server = res.json["server"]
    assert (server["name"], server["accessIPv4"], server["accessIPv6"]) == (
        "renamed",
        "192.0.2.1",
        "2001:db8::1",
    )
    assert set(server) >= DETAIL_KEYS
    assert cloud.instance(server_id).display_name == "renamed"
    res = cloud.request("PUT", f"/servers/{server_id}", {"server": {"flavorRef": "2"}})
    assert res.status_int == 400


def test_delete_unscheduled_server_locally(cloud):
    server_id = cloud.boot()
    res = cloud.request("DELETE", f"/servers/{server_id}")
    assert res.status_int == 204 and res.body == b""
    gone = cloud.instance(server_id)
    assert gone.deleted and gone.vm_state == "deleted" and gone.terminated_at is not None
    assert cloud.get(f"/servers/{server_id}").status_int == 404
    assert "terminate_instance" not in cloud.compute.names()


def test_delete_on_a_live_host_casts_terminate(cloud):
    cloud.add_compute_service("compute1", up=True)
    server_id = cloud.boot()
    cloud.set_state(server_id)
    assert cloud.request("DELETE", f"/servers/{server_id}").status_int == 204
    (cast,) = cloud.compute.wait_for("terminate_instance")
    assert cast["instance"].uuid == server_id
    assert cloud.instance(server_id).task_state == "deleting"
    assert cloud.get(f"/servers/{server_id}").json["server"]["status"] == "ACTIVE"


def test_delete_on_a_down_host_is_local(cloud):
    cloud.add_compute_service("compute1", up=False)
    server_id = cloud.boot()
    cloud.set_state(server_id)
    assert cloud.request("DELETE", f"/servers/{server_id}").status_int == 204
    assert cloud.instance(server_id).deleted


def test_locked_server_cannot_be_deleted_by_its_owner(cloud):
    server_id = cloud.boot()
    cloud.set_state(server_id)
    assert cloud.action(server_id, {"lock": None}).status_int == 202
    res = cloud.request("DELETE", f"/servers/{server_id}")
    assert res.status_int == 409
    assert fault_message(res) == f"Instance {server_id} is locked"
    assert cloud.request("DELETE", f"/servers/{server_id}", token=ADMIN).status_int == 204
