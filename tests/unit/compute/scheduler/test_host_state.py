"""HostState from compute node rows and services; the cache across requests."""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace

from common.service import servicegroup
from compute.scheduler.host_state import HostState, HostStateCache, supported_instances
from tests.unit.compute.scheduler.fakes import request


def node(host="h1", updated_at=None, **values):
    fields = {
        "uuid": "6f1f7a36-1f7e-4b0e-9a3e-2d9d2b6d1a01",
        "host": host,
        "hypervisor_hostname": host,
        "memory_mb": 8192,
        "free_ram_mb": 6144,
        "local_gb": 100,
        "local_gb_used": 20,
        "free_disk_gb": 80,
        "disk_available_least": None,
        "vcpus": 8,
        "vcpus_used": 2,
        "running_vms": 2,
        "cpu_allocation_ratio": 2.0,
        "ram_allocation_ratio": 1.5,
        "disk_allocation_ratio": 1.0,
        "hypervisor_type": "QEMU",
        "hypervisor_version": 8002000,
        "cpu_info": json.dumps({"arch": "x86_64"}),
        "stats": {},
        "host_ip": "10.0.0.1",
        "updated_at": updated_at or servicegroup.utcnow() - dt.timedelta(seconds=5),
        "created_at": None,
    }
    fields.update(values)
    return SimpleNamespace(**fields)


def service(host="h1", disabled=False, seen_ago=1.0, forced_down=False):
    return SimpleNamespace(
        host=host,
        disabled=disabled,
        disabled_reason="maintenance" if disabled else None,
        last_seen_up=servicegroup.utcnow() - dt.timedelta(seconds=seen_ago),
        updated_at=None,
        created_at=None,
        forced_down=forced_down,
    )


def test_resources_come_from_the_compute_node():
    state = HostState("h1", "h1")
    assert state.update_from_compute_node(node())
    assert (state.total_usable_ram_mb, state.free_ram_mb) == (8192, 6144)
    assert (state.total_usable_disk_gb, state.free_disk_mb) == (100, 80 * 1024)
    assert (state.vcpus_total, state.vcpus_used, state.num_instances) == (8, 2, 2)
    assert (state.cpu_allocation_ratio, state.ram_allocation_ratio) == (2.0, 1.5)
    assert state.supported_instances == [("x86_64", "qemu", "hvm")]


def test_disk_available_least_caps_the_free_disk():
    state = HostState("h1", "h1")
    state.update_from_compute_node(node(disk_available_least=30))
    assert state.free_disk_mb == 30 * 1024


def test_node_without_ratios_takes_the_configured_or_initial_ones(flags):
    state = HostState("h1", "h1")
    state.update_from_compute_node(node(cpu_allocation_ratio=0.0, ram_allocation_ratio=None))
    assert state.cpu_allocation_ratio == 4.0  # initial_cpu_allocation_ratio
    assert state.ram_allocation_ratio == 1.0
    flags(cpu_allocation_ratio=8.0)
    state.update_from_compute_node(node(cpu_allocation_ratio=0.0, updated_at=servicegroup.utcnow()))
    assert state.cpu_allocation_ratio == 8.0


def test_consumption_survives_until_the_node_reports_again():
    state = HostState("h1", "h1")
    state.update_from_compute_node(node())
    state.consume_from_request(request(memory_mb=1024, vcpus=2, root_gb=10, swap=512), "i1")
    assert (state.free_ram_mb, state.vcpus_used, state.free_disk_mb) == (5120, 4, 70 * 1024)
    assert state.num_instances == 3 and "i1" in state.instances

    assert not state.update_from_compute_node(node())  # older report: ignored
    assert state.free_ram_mb == 5120

    newer = node(free_ram_mb=5000, updated_at=servicegroup.utcnow() + dt.timedelta(seconds=1))
    assert state.update_from_compute_node(newer)
    assert state.free_ram_mb == 5000


def test_release_gives_back_what_was_consumed():
    state = HostState("h1", "h1")
    state.update_from_compute_node(node())
    before = state.updated
    spec = request(memory_mb=1024, vcpus=2, root_gb=10)
    state.consume_from_request(spec, "i1")
    state.release_from_request(spec, "i1", before)
    assert (state.free_ram_mb, state.vcpus_used, state.free_disk_mb) == (6144, 2, 80 * 1024)
    assert "i1" not in state.instances and state.updated == before


def test_service_up_disabled_and_forced_down(flags):
    flags(service_down_time=60)
    state = HostState("h1", "h1")
    state.update_service(service())
    assert state.service_up and not state.service_disabled
    state.update_service(service(seen_ago=120))
    assert not state.service_up
    state.update_service(service(forced_down=True))
    assert not state.service_up
    state.update_service(service(disabled=True))
    assert state.service_disabled and state.service_disabled_reason == "maintenance"


def test_service_object_is_up_is_used_when_present():
    state = HostState("h1", "h1")
    svc = SimpleNamespace(disabled=False, disabled_reason=None, is_up=lambda: False)
    state.update_service(svc)
    assert not state.service_up


def test_supported_instances_sources():
    assert supported_instances(node(stats={"supported_instances": '[["aarch64", "kvm", "hvm"]]'}))[
        0
    ] == ("aarch64", "kvm", "hvm")
    specs = [SimpleNamespace(arch="x86_64", hv_type="fake", vm_mode="hvm")]
    assert supported_instances(node(supported_hv_specs=specs)) == [("x86_64", "fake", "hvm")]
    assert supported_instances(node(cpu_info="", hypervisor_type=None)) == []


class TestCache:
    def test_nodes_without_a_compute_service_are_dropped(self):
        cache = HostStateCache()
        states = cache.refresh([node("h1"), node("h2")], {"h1": service("h1")}, [])
        assert [s.host for s in states] == ["h1"]

    def test_aggregates_are_attached_to_their_hosts(self):
        cache = HostStateCache()
        agg = SimpleNamespace(hosts=["h2"], metadata={"availability_zone": "az1"})
        services = {"h1": service("h1"), "h2": service("h2")}
        states = {s.host: s for s in cache.refresh([node("h1"), node("h2")], services, [agg])}
        assert states["h1"].aggregates == [] and states["h2"].aggregates == [agg]

    def test_states_persist_between_requests_and_forget_removed_nodes(self):
        cache = HostStateCache()
        services = {"h1": service("h1"), "h2": service("h2")}
        [first, _] = cache.refresh([node("h1"), node("h2")], services, [])
        first.consume_from_request(request(memory_mb=1000))
        [again] = cache.refresh([node("h1")], services, [])
        assert again is first and again.free_ram_mb == 6144 - 1000
        assert list(cache._states) == [("h1", "h1")]

    def test_instances_loaded_for_groups_keep_the_ones_just_placed(self):
        cache = HostStateCache()
        services = {"h1": service("h1")}
        [state] = cache.refresh([node("h1")], services, [], {"h1": {"old": object()}})
        state.consume_from_request(request(), "just-placed")
        [state] = cache.refresh([node("h1")], services, [], {"h1": {"old": object()}})
        assert set(state.instances) == {"old", "just-placed"}
        fresh = node("h1", updated_at=servicegroup.utcnow() + dt.timedelta(seconds=5))
        [state] = cache.refresh([fresh], services, [], {"h1": {"old": object()}})
        assert set(state.instances) == {"old"}
