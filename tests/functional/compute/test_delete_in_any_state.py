"""Deleting a server works whatever it is doing: while it is being scheduled, while its
host spawns it, ACTIVE, SHUTOFF, PAUSED, SUSPENDED, ERROR and in the middle of a reboot.
Each time the server ends DELETED (404), ``openstack server delete --wait`` returns, and
the compute hosts keep no guest and get their resources back. Real daemons on RabbitMQ
and MariaDB, with slow fake hypervisors so BUILD and REBOOT can be caught."""

from __future__ import annotations

import signal

import pytest

from tests.functional.compute.cloud import BROKEN_IMAGE_ID, COMPUTE_HOSTS, running_cloud
from tests.functional.daemons import wait_for

RESERVED_MB = 512  # reserved_host_memory_mb: what an empty host reports as used


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    with running_cloud(
        tmp_path_factory.mktemp("delete"),
        "mysql",
        # A compute host stopped by a test is seen down within 10 s.
        controller_conf={"scheduler": {"max_attempts": 1}, "DEFAULT": {"service_down_time": 10}},
        # A guest whose server was deleted while its host was down is reaped soon.
        compute_conf={
            "DEFAULT": {"running_deleted_instance_poll_interval": 2},
            "fake_driver": {
                "spawn_delay": 5,
                "action_delay": 2,
                "fail_spawn_image_ids": BROKEN_IMAGE_ID,
            },
        },
    ) as cloud:
        yield cloud


@pytest.fixture(scope="module")
def image(cloud) -> str:
    images = cloud.api("GET", "/images").json()["images"]
    return next(i["id"] for i in images if i["name"] == "novella-tiny")


def boot(cloud, image: str, name: str) -> str:
    body = {"server": {"name": name, "imageRef": image, "flavorRef": "1"}}
    response = cloud.api("POST", "/servers", json=body)
    assert response.status_code == 202, response.text
    return response.json()["server"]["id"]


def action(cloud, server_id: str, body: dict) -> None:
    response = cloud.api("POST", f"/servers/{server_id}/action", json=body)
    assert response.status_code == 202, response.text


def task_state(cloud, server_id: str) -> str | None:
    return (cloud.server(server_id) or {}).get("OS-EXT-STS:task_state")


def assert_deleted(cloud, server_id: str) -> None:
    """What the owner and an admin see of a deleted server at v2.1."""
    assert cloud.server(server_id, token="demo:demo") is None
    assert cloud.server(server_id) is None
    listed = cloud.api("GET", "/servers/detail?all_tenants=1", token="admin:admin").json()
    assert server_id not in {s["id"] for s in listed["servers"]}
    deleted = cloud.admin(
        "GET", f"/servers/detail?all_tenants=1&deleted=true&uuid={server_id}"
    ).json()
    assert [(s["id"], s["status"]) for s in deleted["servers"]] == [(server_id, "DELETED")]
    # Nova lists the actions of deleted servers from microversion 2.21; at 2.1 it is 404.
    actions = cloud.admin("GET", f"/servers/{server_id}/os-instance-actions")
    assert actions.status_code == 404, actions.text


def assert_hosts_empty(cloud) -> None:
    """No guest left on either fake hypervisor and every resource back."""

    def empty():
        hypervisors = cloud.hypervisors()
        usage = {
            name: (h["running_vms"], h["memory_mb_used"], h["vcpus_used"])
            for name, h in hypervisors.items()
        }
        return usage == dict.fromkeys(COMPUTE_HOSTS, (0, RESERVED_MB, 0)) or None

    try:
        wait_for(empty, timeout=30, what="both hosts empty")
    except AssertionError:
        raise AssertionError(f"{cloud.hypervisors()}\n{cloud.logs()}") from None
    for host in COMPUTE_HOSTS:
        assert cloud.guests(host) == [], host


def test_delete_while_scheduling_leaves_nothing(cloud, image):
    scheduler = next(d for d in cloud.daemons if d.name == "nova-scheduler")
    scheduler.proc.send_signal(signal.SIGSTOP)
    try:
        server_id = boot(cloud, image, "scheduling")
        assert task_state(cloud, server_id) == "scheduling"
        assert cloud.server(server_id)["status"] == "BUILD"
        cloud.openstack("server", "delete", "--wait", server_id)
        assert_deleted(cloud, server_id)
    finally:
        scheduler.proc.send_signal(signal.SIGCONT)
    # The scheduler answers the conductor now; the build must not come back to life.
    wait_for(
        lambda: "deleted while being scheduled" in conductor_log(cloud),
        timeout=30,
        what="the conductor dropping the deleted server",
    )
    assert cloud.server(server_id) is None
    assert_hosts_empty(cloud)


def conductor_log(cloud) -> str:
    return next(d for d in cloud.daemons if d.name == "nova-conductor").log()


def test_delete_while_spawning_on_the_host(cloud, image):
    server_id = boot(cloud, image, "spawning")
    wait_for(lambda: task_state(cloud, server_id) == "spawning", timeout=30, what="spawning")
    host = cloud.server(server_id)["OS-EXT-SRV-ATTR:host"]
    # The half-built guest holds the host's resources until the delete.
    assert cloud.hypervisors()[host]["memory_mb_used"] == RESERVED_MB + 512
    cloud.openstack("server", "delete", "--wait", server_id)
    assert_deleted(cloud, server_id)
    assert_hosts_empty(cloud)


def test_delete_in_every_settled_state(cloud, image):
    wanted = {
        "ACTIVE": None,
        "SHUTOFF": {"os-stop": None},
        "PAUSED": {"pause": None},
        "SUSPENDED": {"suspend": None},
    }
    servers = {status: boot(cloud, image, status.lower()) for status in wanted}
    broken = boot(cloud, BROKEN_IMAGE_ID, "error")
    for server_id in servers.values():
        cloud.wait_status(server_id, "ACTIVE", timeout=60)
    for status, body in wanted.items():
        if body:
            action(cloud, servers[status], body)
    for status, server_id in servers.items():
        cloud.wait_status(server_id, status, timeout=30)
    error = cloud.wait_status(broken, "ERROR", timeout=30)
    assert error["fault"]["message"].startswith("Exceeded maximum number of retries.")
    servers["ERROR"] = broken

    # One openstackclient call deletes them all and waits until each is gone.
    cloud.openstack("server", "delete", "--wait", *servers.values(), timeout=120)
    for server_id in servers.values():
        assert_deleted(cloud, server_id)
    assert cloud.api("GET", "/servers").json()["servers"] == []
    assert_hosts_empty(cloud)


def test_delete_in_the_middle_of_a_reboot(cloud, image):
    server_id = boot(cloud, image, "rebooting")
    cloud.wait_status(server_id, "ACTIVE", timeout=60)
    action(cloud, server_id, {"reboot": {"type": "HARD"}})
    assert cloud.server(server_id)["status"] == "HARD_REBOOT"
    sdk = cloud.sdk()
    sdk.compute.delete_server(server_id)
    sdk.compute.wait_for_delete(sdk.compute.get_server(server_id), wait=60)
    assert_deleted(cloud, server_id)
    assert_hosts_empty(cloud)


def compute_state(cloud, host: str) -> str:
    services = cloud.admin("GET", f"/os-services?host={host}&binary=nova-compute").json()
    return services["services"][0]["state"]


def test_delete_while_its_host_is_down_reaps_the_guest_when_it_returns(cloud, image):
    server_id = boot(cloud, image, "orphan")
    host = cloud.wait_status(server_id, "ACTIVE", timeout=60)["OS-EXT-SRV-ATTR:host"]
    compute = cloud.computes[host]
    compute.proc.send_signal(signal.SIGSTOP)
    try:
        wait_for(lambda: compute_state(cloud, host) == "down", timeout=40, what=f"{host} down")
        # The API deletes the server of a host that is down by itself, at once.
        assert cloud.api("DELETE", f"/servers/{server_id}").status_code == 204
        assert_deleted(cloud, server_id)
        assert server_id in cloud.guests(host)
    finally:
        compute.proc.send_signal(signal.SIGCONT)
    wait_for(lambda: compute_state(cloud, host) == "up", timeout=40, what=f"{host} up")
    wait_for(lambda: cloud.guests(host) == [], timeout=30, what="the orphan guest reaped")
    assert_hosts_empty(cloud)


def test_restarted_computes_find_no_guest_of_a_deleted_server(cloud):
    for host in COMPUTE_HOSTS:
        cloud.restart_compute(host)
    for host in COMPUTE_HOSTS:
        # The restarted driver reads the guests it kept on disk: there are none.
        wait_for(
            lambda host=host: "Fake hypervisor node" in cloud.computes[host].log(),
            timeout=60,
            what=f"{host} restarted",
        )
        assert f"on host {host} with 0 guests" in cloud.computes[host].log()
    wait_for(cloud._all_up, timeout=60, what="computes up again")
    assert_hosts_empty(cloud)
