"""os-services, os-availability-zone and os-hypervisors through nova-api."""

from __future__ import annotations

import json

import pytest

from tests.unit.compute.api.resource_fakes import (  # noqa: F401  (fixture)
    ADMIN,
    ALICE,
    api_fixture,
    fault,
    policy_message,
)


@pytest.fixture
def cloud(api):
    api.conductor = api.service("ctl", "nova-conductor")
    api.scheduler = api.service("ctl", "nova-scheduler", up=False)
    api.compute1 = api.service("compute1")
    api.compute2 = api.service("compute2", disabled=True)
    api.node1 = api.node("compute1")
    api.node2 = api.node("compute2", vcpus=8, memory_mb=16384, free_ram_mb=16000)
    return api


# -- os-services -----------------------------------------------------------------------------


def test_services_list(cloud):
    resp = cloud.call("/os-services", token=ADMIN)
    assert resp.status_int == 200
    services = {(s["host"], s["binary"]): s for s in resp.json["services"]}
    assert set(services) == {
        ("ctl", "nova-conductor"),
        ("ctl", "nova-scheduler"),
        ("compute1", "nova-compute"),
        ("compute2", "nova-compute"),
    }
    compute1 = services[("compute1", "nova-compute")]
    assert set(compute1) == {
        "id",
        "binary",
        "host",
        "zone",
        "status",
        "state",
        "updated_at",
        "disabled_reason",
    }
    assert compute1["id"] == cloud.compute1.id
    assert (compute1["zone"], compute1["status"], compute1["state"]) == ("nova", "enabled", "up")
    assert services[("compute2", "nova-compute")]["status"] == "disabled"
    assert services[("ctl", "nova-conductor")]["zone"] == "internal"
    assert services[("ctl", "nova-scheduler")]["state"] == "down"


def test_services_filters(cloud):
    by_host = cloud.call("/os-services?host=ctl", token=ADMIN).json["services"]
    assert {s["binary"] for s in by_host} == {"nova-conductor", "nova-scheduler"}
    by_binary = cloud.call("/os-services?binary=nova-compute", token=ADMIN).json["services"]
    assert {s["host"] for s in by_binary} == {"compute1", "compute2"}
    both = cloud.call("/os-services?binary=nova-compute&host=compute2", token=ADMIN).json
    assert [s["host"] for s in both["services"]] == ["compute2"]


def test_services_are_admin_only(cloud):
    assert fault(cloud.call("/os-services"), 403) == policy_message(
        "os_compute_api:os-services:list"
    )
    resp = cloud.call("/os-services/enable", "PUT", {"host": "compute2", "binary": "nova-compute"})
    assert fault(resp, 403) == policy_message("os_compute_api:os-services:update")
    resp = cloud.call(f"/os-services/{cloud.compute1.id}", "DELETE")
    assert fault(resp, 403) == policy_message("os_compute_api:os-services:delete")


def test_enable_disable(cloud):
    body = {"host": "compute1", "binary": "nova-compute"}
    resp = cloud.call("/os-services/disable", "PUT", body, token=ADMIN)
    assert resp.status_int == 200
    assert resp.json == {"service": {**body, "status": "disabled"}}
    listed = cloud.call("/os-services?host=compute1", token=ADMIN).json["services"][0]
    assert listed["status"] == "disabled"
    resp = cloud.call(
        "/os-services/disable-log-reason",
        "PUT",
        {**body, "disabled_reason": "maintenance"},
        token=ADMIN,
    )
    assert resp.json == {
        "service": {**body, "status": "disabled", "disabled_reason": "maintenance"}
    }
    listed = cloud.call("/os-services?host=compute1", token=ADMIN).json["services"][0]
    assert listed["disabled_reason"] == "maintenance"
    resp = cloud.call("/os-services/enable", "PUT", body, token=ADMIN)
    assert resp.json == {"service": {**body, "status": "enabled"}}
    listed = cloud.call("/os-services?host=compute1", token=ADMIN).json["services"][0]
    assert (listed["status"], listed["disabled_reason"]) == ("enabled", None)


def test_enable_disable_errors(cloud):
    body = {"host": "nowhere", "binary": "nova-compute"}
    resp = cloud.call("/os-services/enable", "PUT", body, token=ADMIN)
    assert fault(resp, 404) == "Could not find binary nova-compute on host nowhere."
    resp = cloud.call(
        "/os-services/reboot", "PUT", {"host": "compute1", "binary": "nova-compute"}, token=ADMIN
    )
    assert fault(resp, 404) == "Unknown action"
    resp = cloud.call(
        "/os-services/disable-log-reason",
        "PUT",
        {"host": "compute1", "binary": "nova-compute"},
        token=ADMIN,
    )
    assert fault(resp, 400) == "Missing disabled reason field"
    resp = cloud.call("/os-services/enable", "PUT", {"host": "compute1"}, token=ADMIN)
    assert "'binary' is a required property" in fault(resp, 400)


def test_delete_service(cloud):
    resp = cloud.call(f"/os-services/{cloud.scheduler.id}", "DELETE", token=ADMIN)
    assert resp.status_int == 204
    hosts = {
        (s["host"], s["binary"]) for s in cloud.call("/os-services", token=ADMIN).json["services"]
    }
    assert ("ctl", "nova-scheduler") not in hosts
    assert (
        fault(cloud.call("/os-services/9999", "DELETE", token=ADMIN), 404)
        == "Service 9999 not found."
    )
    assert (
        fault(cloud.call("/os-services/abc", "DELETE", token=ADMIN), 404)
        == "Service abc not found."
    )


def test_delete_compute_service_removes_its_node_and_refuses_while_hosting(cloud):
    server = cloud.server(host="compute2")
    resp = cloud.call(f"/os-services/{cloud.compute2.id}", "DELETE", token=ADMIN)
    assert "hosting instances" in fault(resp, 409)
    server.destroy()
    assert cloud.call(f"/os-services/{cloud.compute2.id}", "DELETE", token=ADMIN).status_int == 204
    names = [
        h["hypervisor_hostname"]
        for h in cloud.call("/os-hypervisors", token=ADMIN).json["hypervisors"]
    ]
    assert names == ["compute1"]


# -- os-availability-zone --------------------------------------------------------------------


def test_availability_zone_list(cloud):
    resp = cloud.call("/os-availability-zone")
    assert resp.status_int == 200
    assert resp.json == {
        "availabilityZoneInfo": [
            {"zoneName": "nova", "zoneState": {"available": True}, "hosts": None}
        ]
    }


def test_availability_zone_from_aggregates(cloud):
    agg = cloud.call(
        "/os-aggregates",
        "POST",
        {"aggregate": {"name": "a", "availability_zone": "az1"}},
        token=ADMIN,
    )
    agg_id = agg.json["aggregate"]["id"]
    cloud.call(
        f"/os-aggregates/{agg_id}/action", "POST", {"add_host": {"host": "compute2"}}, token=ADMIN
    )
    zones = cloud.call("/os-availability-zone").json["availabilityZoneInfo"]
    # compute2 is disabled: its zone is listed as not available.
    assert zones == [
        {"zoneName": "nova", "zoneState": {"available": True}, "hosts": None},
        {"zoneName": "az1", "zoneState": {"available": False}, "hosts": None},
    ]
    services = cloud.call("/os-services?host=compute2", token=ADMIN).json["services"]
    assert services[0]["zone"] == "az1"


def test_availability_zone_detail(cloud):
    assert fault(cloud.call("/os-availability-zone/detail"), 403) == policy_message(
        "os_compute_api:os-availability-zone:detail"
    )
    zones = {
        z["zoneName"]: z
        for z in cloud.call("/os-availability-zone/detail", token=ADMIN).json[
            "availabilityZoneInfo"
        ]
    }
    assert set(zones) == {"internal", "nova"}
    internal = zones["internal"]["hosts"]["ctl"]
    assert internal["nova-conductor"]["available"] is True
    assert internal["nova-conductor"]["active"] is True
    assert internal["nova-conductor"]["updated_at"] is None
    assert internal["nova-scheduler"]["available"] is False
    assert list(zones["nova"]["hosts"]) == ["compute1"]  # compute2 is disabled
    assert zones["nova"]["zoneState"] == {"available": True}


# -- os-hypervisors --------------------------------------------------------------------------


def test_hypervisor_list(cloud):
    resp = cloud.call("/os-hypervisors", token=ADMIN)
    assert resp.status_int == 200
    assert resp.json == {
        "hypervisors": [
            {
                "id": cloud.node1.id,
                "hypervisor_hostname": "compute1",
                "state": "up",
                "status": "enabled",
            },
            {
                "id": cloud.node2.id,
                "hypervisor_hostname": "compute2",
                "state": "up",
                "status": "disabled",
            },
        ]
    }


def test_hypervisor_detail_and_show(cloud):
    detail = cloud.call("/os-hypervisors/detail", token=ADMIN).json["hypervisors"][0]
    expected = {
        "id": cloud.node1.id,
        "hypervisor_hostname": "compute1",
        "state": "up",
        "status": "enabled",
        "vcpus": 4,
        "memory_mb": 8192,
        "local_gb": 100,
        "vcpus_used": 1,
        "memory_mb_used": 512,
        "local_gb_used": 1,
        "hypervisor_type": "fake",
        "hypervisor_version": 1000,
        "free_ram_mb": 7680,
        "free_disk_gb": 99,
        "current_workload": 0,
        "running_vms": 1,
        "disk_available_least": 90,
        "host_ip": "192.0.2.10",
        "cpu_info": '{"arch": "x86_64"}',
        "service": {"host": "compute1", "id": cloud.compute1.id, "disabled_reason": None},
    }
    assert detail == expected
    assert json.loads(detail["cpu_info"]) == {"arch": "x86_64"}  # a string at 2.1
    shown = cloud.call(f"/os-hypervisors/{cloud.node1.id}", token=ADMIN)
    assert shown.json == {"hypervisor": expected}
    for bad in ("9999", "abc"):
        message = fault(cloud.call(f"/os-hypervisors/{bad}", token=ADMIN), 404)
        assert message == f"Hypervisor with ID '{bad}' could not be found."


def test_hypervisor_statistics_count_enabled_hosts(cloud):
    stats = cloud.call("/os-hypervisors/statistics", token=ADMIN).json["hypervisor_statistics"]
    assert stats == {
        "count": 1,
        "vcpus": 4,
        "memory_mb": 8192,
        "local_gb": 100,
        "vcpus_used": 1,
        "memory_mb_used": 512,
        "local_gb_used": 1,
        "free_ram_mb": 7680,
        "free_disk_gb": 99,
        "current_workload": 0,
        "running_vms": 1,
        "disk_available_least": 90,
    }
    cloud.call(
        "/os-services/enable", "PUT", {"host": "compute2", "binary": "nova-compute"}, token=ADMIN
    )
    stats = cloud.call("/os-hypervisors/statistics", token=ADMIN).json["hypervisor_statistics"]
    assert (stats["count"], stats["vcpus"], stats["free_ram_mb"]) == (2, 12, 23680)


def test_hypervisor_search_and_servers(cloud):
    found = cloud.call("/os-hypervisors/pute2/search", token=ADMIN).json["hypervisors"]
    assert [h["hypervisor_hostname"] for h in found] == ["compute2"]
    assert set(found[0]) == {"id", "hypervisor_hostname", "state", "status"}
    message = fault(cloud.call("/os-hypervisors/nothing/search", token=ADMIN), 404)
    assert message == "No hypervisor matching 'nothing' could be found."
    server = cloud.server(host="compute1")
    listed = cloud.call("/os-hypervisors/compute/servers", token=ADMIN).json["hypervisors"]
    assert listed[0]["servers"] == [{"name": server.name, "uuid": server.uuid}]
    assert server.name.startswith("instance-")
    assert "servers" not in listed[1]  # no servers: no key, as Nova
    fault(cloud.call("/os-hypervisors/nothing/servers", token=ADMIN), 404)


@pytest.mark.parametrize(
    ("path", "rule"),
    [
        ("/os-hypervisors", "list"),
        ("/os-hypervisors/detail", "list-detail"),
        ("/os-hypervisors/statistics", "statistics"),
        ("/os-hypervisors/1", "show"),
        ("/os-hypervisors/compute/search", "search"),
        ("/os-hypervisors/compute/servers", "servers"),
    ],
)
def test_hypervisors_are_admin_only(cloud, path, rule):
    assert fault(cloud.call(path, token=ALICE), 403) == policy_message(
        f"os_compute_api:os-hypervisors:{rule}"
    )
