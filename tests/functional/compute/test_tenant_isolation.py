"""A project never sees, changes or learns about another project's servers, key pairs,
private flavors or server groups: every such request answers 404 exactly as for an id
that does not exist, and lists leave them out. Non-admins on admin-only APIs get 403
with Nova's policy message; the admin sees everything. Real daemons on RabbitMQ and
MariaDB, driven by raw HTTP, openstackclient and openstacksdk."""

from __future__ import annotations

import uuid

import pytest

from tests.functional.compute.cloud import running_cloud

DEMO = "demo:demo"
ALT = "alt:alt"
ADMIN = "admin:admin"


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    with running_cloud(tmp_path_factory.mktemp("isolation"), "mysql") as cloud:
        yield cloud


@pytest.fixture(scope="module")
def demo(cloud):
    """What the demo project owns: an ACTIVE server with metadata, a key pair, a server
    group, and access to a private flavor."""
    images = cloud.api("GET", "/images").json()["images"]
    image = next(i["id"] for i in images if i["name"] == "novella-tiny")
    flavor = {"flavor": {"name": "private-demo", "ram": 512, "vcpus": 1, "disk": 1}}
    flavor["flavor"].update({"id": "private-demo", "os-flavor-access:is_public": False})
    assert cloud.admin("POST", "/flavors", json=flavor).status_code == 200
    access = {"addTenantAccess": {"tenant": "demo"}}
    assert cloud.admin("POST", "/flavors/private-demo/action", json=access).status_code == 200

    keypair = cloud.api("POST", "/os-keypairs", json={"keypair": {"name": "demo-key"}})
    assert keypair.status_code == 200, keypair.text
    group = cloud.api(
        "POST", "/os-server-groups", json={"server_group": {"name": "g", "policies": ["affinity"]}}
    )
    assert group.status_code == 200, group.text
    body = {
        "server": {
            "name": "demo-vm",
            "imageRef": image,
            "flavorRef": "private-demo",
            "key_name": "demo-key",
            "metadata": {"role": "db"},
        }
    }
    created = cloud.api("POST", "/servers", json=body)
    assert created.status_code == 202, created.text
    server_id = created.json()["server"]["id"]
    server = cloud.wait_status(server_id, "ACTIVE", timeout=60)
    actions = cloud.api("GET", f"/servers/{server_id}/os-instance-actions").json()
    return {
        "image": image,
        "server": server_id,
        "host": server["OS-EXT-SRV-ATTR:host"],
        "group": group.json()["server_group"]["id"],
        "request_id": actions["instanceActions"][0]["request_id"],
    }


def not_found_like_nothing(cloud, method: str, path: str, real_id: str, **kwargs) -> None:
    """``alt`` gets the same 404 for ``real_id`` as for an id that never existed."""
    fake_id = str(uuid.uuid4())
    real = cloud.api(method, path.format(id=real_id), token=ALT, **kwargs)
    fake = cloud.api(method, path.format(id=fake_id), token=ALT, **kwargs)
    assert real.status_code == 404, (method, path, real.status_code, real.text)
    assert fake.status_code == 404, (method, path, fake.status_code, fake.text)
    assert real.text.replace(real_id, "<id>") == fake.text.replace(fake_id, "<id>"), (
        method,
        path,
    )


SERVER_ACTIONS = [
    {"reboot": {"type": "SOFT"}},
    {"reboot": {"type": "HARD"}},
    {"os-stop": None},
    {"os-start": None},
    {"pause": None},
    {"unpause": None},
    {"suspend": None},
    {"resume": None},
    {"lock": None},
    {"unlock": None},
    {"forceDelete": None},
    {"resize": {"flavorRef": "2"}},
    {"confirmResize": None},
    {"revertResize": None},
    {"createImage": {"name": "stolen"}},
]


def test_another_projects_server_is_404_everywhere(cloud, demo):
    sid = demo["server"]
    requests_ = [
        ("GET", "/servers/{id}", {}),
        ("PUT", "/servers/{id}", {"json": {"server": {"name": "mine"}}}),
        ("DELETE", "/servers/{id}", {}),
        ("GET", "/servers/{id}/metadata", {}),
        ("GET", "/servers/{id}/metadata/role", {}),
        ("POST", "/servers/{id}/metadata", {"json": {"metadata": {"a": "b"}}}),
        ("PUT", "/servers/{id}/metadata", {"json": {"metadata": {"a": "b"}}}),
        ("PUT", "/servers/{id}/metadata/role", {"json": {"meta": {"role": "x"}}}),
        ("DELETE", "/servers/{id}/metadata/role", {}),
        ("GET", "/servers/{id}/os-instance-actions", {}),
        ("GET", "/servers/{id}/os-instance-actions/" + demo["request_id"], {}),
    ]
    rebuild = {"rebuild": {"imageRef": demo["image"]}}
    for body in [*SERVER_ACTIONS, rebuild]:
        requests_.append(("POST", "/servers/{id}/action", {"json": body}))
    for method, path, kwargs in requests_:
        not_found_like_nothing(cloud, method, path, sid, **kwargs)

    # Nothing changed for the owner.
    server = cloud.server(sid, token=DEMO)
    assert (server["name"], server["status"], server["metadata"]) == (
        "demo-vm",
        "ACTIVE",
        {"role": "db"},
    )

    # Lists and filters of the other project leave it out.
    for query in ("", "?name=demo-vm", "?status=ACTIVE", f"?image={demo['image']}"):
        for path in ("/servers", "/servers/detail"):
            listed = cloud.api("GET", path + query, token=ALT)
            assert listed.status_code == 200, listed.text
            assert listed.json()["servers"] == [], (path, query)
    # A host filter is an admin's: for a member it is ignored, and shows nothing more.
    listed = cloud.api("GET", f"/servers/detail?host={demo['host']}", token=ALT)
    assert listed.status_code == 200 and listed.json()["servers"] == []
    listed = cloud.api("GET", "/servers?host=nowhere", token=DEMO)
    assert [s["id"] for s in listed.json()["servers"]] == [sid]

    # Through the clients too.
    shown = cloud.openstack_result("server", "show", sid, cloud="novella-alt")
    assert shown.returncode != 0
    assert f"No Server found for {sid}" in shown.stderr
    assert cloud.openstack_result("server", "delete", sid, cloud="novella-alt").returncode != 0
    assert cloud.openstack_json("server", "list", cloud="novella-alt") == []

    import openstack.exceptions

    alt = cloud.sdk("novella-alt")
    with pytest.raises(openstack.exceptions.NotFoundException):
        alt.compute.get_server(sid)
    assert cloud.server(sid, token=DEMO)["status"] == "ACTIVE"


def test_another_users_key_pair_is_404(cloud, demo):
    not_found_like_nothing(cloud, "GET", "/os-keypairs/{id}", "demo-key")
    not_found_like_nothing(cloud, "DELETE", "/os-keypairs/{id}", "demo-key")
    assert cloud.api("GET", "/os-keypairs", token=ALT).json()["keypairs"] == []
    assert cloud.api("GET", "/os-keypairs/demo-key", token=DEMO).status_code == 200
    # Booting with it is refused as for a name that does not exist.
    body = {
        "server": {
            "name": "x",
            "imageRef": demo["image"],
            "flavorRef": "1",
            "key_name": "demo-key",
        }
    }
    refused = cloud.api("POST", "/servers", token=ALT, json=body)
    assert refused.status_code == 400
    assert refused.json() == {"badRequest": {"code": 400, "message": "Invalid key_name provided."}}
    # alt may use the same name for its own key pair.
    mine = cloud.api("POST", "/os-keypairs", token=ALT, json={"keypair": {"name": "demo-key"}})
    assert mine.status_code == 200, mine.text
    assert cloud.api("DELETE", "/os-keypairs/demo-key", token=ALT).status_code == 202
    assert cloud.api("GET", "/os-keypairs/demo-key", token=DEMO).status_code == 200


def test_a_private_flavor_is_invisible_to_projects_without_access(cloud, demo):
    not_found_like_nothing(cloud, "GET", "/flavors/{id}", "private-demo")
    not_found_like_nothing(cloud, "GET", "/flavors/{id}/os-extra_specs", "private-demo")
    for path in ("/flavors", "/flavors/detail", "/flavors?is_public=None"):
        names = {f["name"] for f in cloud.api("GET", path, token=ALT).json()["flavors"]}
        assert "private-demo" not in names, path
        assert "m1.tiny" in names
    assert "private-demo" in {
        f["name"] for f in cloud.api("GET", "/flavors", token=DEMO).json()["flavors"]
    }
    body = {"server": {"name": "x", "imageRef": demo["image"], "flavorRef": "private-demo"}}
    refused = cloud.api("POST", "/servers", token=ALT, json=body)
    assert refused.json() == {"badRequest": {"code": 400, "message": "Invalid flavorRef provided."}}
    shown = cloud.openstack_result("flavor", "show", "private-demo", cloud="novella-alt")
    assert shown.returncode != 0
    # The admin sees it with is_public=None, and who may use it.
    admin_names = {
        f["name"] for f in cloud.admin("GET", "/flavors?is_public=None").json()["flavors"]
    }
    assert "private-demo" in admin_names
    access = cloud.admin("GET", "/flavors/private-demo/os-flavor-access").json()
    assert access["flavor_access"] == [{"flavor_id": "private-demo", "tenant_id": "demo"}]


def test_another_projects_server_group_is_404(cloud, demo):
    not_found_like_nothing(cloud, "GET", "/os-server-groups/{id}", demo["group"])
    not_found_like_nothing(cloud, "DELETE", "/os-server-groups/{id}", demo["group"])
    assert cloud.api("GET", "/os-server-groups", token=ALT).json()["server_groups"] == []
    assert cloud.api("GET", f"/os-server-groups/{demo['group']}", token=DEMO).status_code == 200


def forbidden(rule: str) -> dict:
    return {"forbidden": {"code": 403, "message": f"Policy doesn't allow {rule} to be performed."}}


ADMIN_ONLY = [
    ("GET", "/os-services", None, "os_compute_api:os-services:list"),
    (
        "PUT",
        "/os-services/disable",
        {"host": "compute1", "binary": "nova-compute"},
        "os_compute_api:os-services:update",
    ),
    ("DELETE", "/os-services/1", None, "os_compute_api:os-services:delete"),
    ("GET", "/os-hypervisors", None, "os_compute_api:os-hypervisors:list"),
    ("GET", "/os-hypervisors/detail", None, "os_compute_api:os-hypervisors:list-detail"),
    ("GET", "/os-hypervisors/statistics", None, "os_compute_api:os-hypervisors:statistics"),
    ("GET", "/os-hypervisors/1", None, "os_compute_api:os-hypervisors:show"),
    ("GET", "/os-hypervisors/compute/search", None, "os_compute_api:os-hypervisors:search"),
    ("GET", "/os-hypervisors/compute1/servers", None, "os_compute_api:os-hypervisors:servers"),
    ("GET", "/os-aggregates", None, "os_compute_api:os-aggregates:index"),
    ("POST", "/os-aggregates", {"aggregate": {"name": "a"}}, "os_compute_api:os-aggregates:create"),
    (
        "POST",
        "/flavors",
        {"flavor": {"name": "mine", "ram": 512, "vcpus": 1, "disk": 1}},
        "os_compute_api:os-flavor-manage:create",
    ),
    ("DELETE", "/flavors/1", None, "os_compute_api:os-flavor-manage:delete"),
    (
        "POST",
        "/flavors/1/os-extra_specs",
        {"extra_specs": {"a": "b"}},
        "os_compute_api:os-flavor-extra-specs:create",
    ),
    (
        "POST",
        "/flavors/private-demo/action",
        {"addTenantAccess": {"tenant": "demo"}},
        "os_compute_api:os-flavor-access:add_tenant_access",
    ),
    (
        "PUT",
        "/os-quota-sets/demo",
        {"quota_set": {"instances": 100}},
        "os_compute_api:os-quota-sets:update",
    ),
    ("DELETE", "/os-quota-sets/demo", None, "os_compute_api:os-quota-sets:delete"),
    ("GET", "/os-quota-sets/alt", None, "os_compute_api:os-quota-sets:show"),
    ("GET", "/servers?all_tenants=1", None, "os_compute_api:servers:index:get_all_tenants"),
    (
        "GET",
        "/servers/detail?all_tenants=1",
        None,
        "os_compute_api:servers:detail:get_all_tenants",
    ),
]


@pytest.mark.parametrize(("method", "path", "body", "rule"), ADMIN_ONLY)
def test_a_member_on_admin_only_apis_gets_403(cloud, demo, method, path, body, rule):
    response = cloud.api(method, path, token=DEMO, json=body)
    assert response.status_code == 403, response.text
    assert response.json() == forbidden(rule)


def test_openstackclient_shows_the_policy_refusal(cloud, demo):
    result = cloud.openstack_result("compute", "service", "list")
    assert result.returncode != 0
    assert "Policy doesn't allow os_compute_api:os-services:list to be performed." in (
        result.stderr
    )
    # Still there after all the refused changes.
    assert cloud.admin("GET", "/flavors/1").status_code == 200
    quota = cloud.api("GET", "/os-quota-sets/demo", token=DEMO).json()["quota_set"]
    assert quota["instances"] == 10


def test_the_admin_sees_every_project(cloud, demo):
    alt_server = cloud.api(
        "POST",
        "/servers",
        token=ALT,
        json={"server": {"name": "alt-vm", "imageRef": demo["image"], "flavorRef": "1"}},
    )
    assert alt_server.status_code == 202, alt_server.text
    alt_id = alt_server.json()["server"]["id"]
    everything = cloud.admin("GET", "/servers/detail?all_tenants=1").json()["servers"]
    owners = {s["id"]: s["tenant_id"] for s in everything}
    assert owners == {demo["server"]: "demo", alt_id: "alt"}
    only_alt = cloud.admin("GET", "/servers?all_tenants=1&tenant_id=alt").json()["servers"]
    assert [s["id"] for s in only_alt] == [alt_id]
    on_host = cloud.admin("GET", f"/servers?all_tenants=1&host={demo['host']}").json()
    assert demo["server"] in {s["id"] for s in on_host["servers"]}
    # Without all_tenants the admin lists its own project, as Nova does.
    assert cloud.admin("GET", "/servers").json()["servers"] == []

    shown = cloud.server(demo["server"], token=ADMIN)
    assert shown["tenant_id"] == "demo" and shown["OS-EXT-SRV-ATTR:host"] == demo["host"]
    assert cloud.admin("GET", f"/servers/{demo['server']}/metadata").json() == {
        "metadata": {"role": "db"}
    }
    actions = cloud.admin("GET", f"/servers/{demo['server']}/os-instance-actions").json()
    assert [a["action"] for a in actions["instanceActions"]] == ["create"]
    groups = cloud.admin("GET", "/os-server-groups?all_projects=1").json()["server_groups"]
    assert demo["group"] in {g["id"] for g in groups}
    assert cloud.admin("GET", f"/os-server-groups/{demo['group']}").status_code == 200
    admin_sdk = cloud.sdk("novella-admin")
    assert admin_sdk.compute.get_server(demo["server"]).name == "demo-vm"

    # And the admin may act on any project's server.
    assert cloud.admin("DELETE", f"/servers/{alt_id}").status_code == 204
    cloud.wait_gone(alt_id)
