"""A tenant's everyday server work, through unmodified OpenStack clients, against
nova-api + nova-conductor + nova-scheduler + two nova-compute processes on RabbitMQ and
a real database."""

from __future__ import annotations

import pytest

from tests.functional.compute.cloud import COMPUTE_HOSTS, Cloud
from tests.functional.daemons import wait_for


@pytest.fixture(params=["mysql", "postgresql"])
def cloud(request, tmp_path, fresh_database, rabbit_vhost_url):
    cloud = Cloud(tmp_path, fresh_database(request.param), rabbit_vhost_url)
    try:
        cloud.start()
        yield cloud
    finally:
        cloud.stop()


def test_everyday_server_work_with_openstackclient_and_sdk(cloud):
    flavors = {f["Name"] for f in cloud.openstack_json("flavor", "list")}
    assert {"m1.tiny", "m1.small"} <= flavors

    # OSC's keypair and quota commands ask Keystone for the project: with noauth2 (no
    # Keystone) they are driven through openstacksdk here, and through OSC in the
    # Keystone-backed test.
    conn = cloud.sdk()
    keypair = conn.compute.create_keypair(name="demo-key")
    assert "PRIVATE KEY" in keypair.private_key

    servers = []
    for n in range(4):
        created = cloud.openstack_json(
            "server",
            "create",
            "--flavor",
            "m1.tiny",
            "--image",
            "novella-tiny",
            "--key-name",
            "demo-key",
            "--wait",
            f"vm{n}",
        )
        assert created["status"] == "ACTIVE", created
        servers.append(created["id"])

    listed = cloud.openstack_json("server", "list")
    assert {s["ID"] for s in listed} == set(servers)
    assert {s["Status"] for s in listed} == {"ACTIVE"}

    admin_view = [
        cloud.openstack_json("server", "show", sid, cloud="novella-admin") for sid in servers
    ]
    hosts = {s["OS-EXT-SRV-ATTR:host"] for s in admin_view}
    assert hosts == set(COMPUTE_HOSTS), f"servers did not spread over both hosts: {hosts}"

    first = servers[0]
    cloud.openstack("server", "reboot", "--wait", first)
    assert cloud.openstack_json("server", "show", first)["status"] == "ACTIVE"
    cloud.openstack("server", "stop", first)
    wait_for(
        lambda: cloud.openstack_json("server", "show", first)["status"] == "SHUTOFF",
        timeout=30,
        what="SHUTOFF",
    )
    cloud.openstack("server", "start", first)
    wait_for(
        lambda: cloud.openstack_json("server", "show", first)["status"] == "ACTIVE",
        timeout=30,
        what="ACTIVE again",
    )

    quota = conn.compute.get("/os-quota-sets/demo").json()["quota_set"]
    assert quota["instances"] == 10 and quota["cores"] == 20

    services = cloud.openstack_json("compute", "service", "list", cloud="novella-admin")
    binaries = {(s["Binary"], s["Host"]): s["State"] for s in services}
    for host in COMPUTE_HOSTS:
        assert binaries[("nova-compute", host)] == "up"
    hypervisors = cloud.openstack_json("hypervisor", "list", cloud="novella-admin")
    assert {h["Hypervisor Hostname"] for h in hypervisors} == set(COMPUTE_HOSTS)

    flavor = conn.compute.find_flavor("m1.tiny")
    image = conn.image.find_image("novella-tiny")
    sdk_server = conn.compute.create_server(name="sdk-vm", flavor_id=flavor.id, image_id=image.id)
    sdk_server = conn.compute.wait_for_server(sdk_server, status="ACTIVE", wait=60)
    assert sdk_server.status == "ACTIVE"
    conn.compute.delete_server(sdk_server)
    conn.compute.wait_for_delete(sdk_server, wait=60)

    for sid in servers:
        cloud.openstack("server", "delete", "--wait", sid)
    assert cloud.openstack_json("server", "list") == []
