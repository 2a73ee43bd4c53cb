"""The selection: one host per instance, consumption between instances, NoValidHost."""

from __future__ import annotations

import pytest

from compute import exception
from compute.scheduler.filter_scheduler import FilterScheduler
from compute.scheduler.filters import (
    affinity_filter,
    compute_filter,
    core_filter,
    disk_filter,
    ram_filter,
    retry_filter,
)
from compute.scheduler.weights import ram
from tests.unit.compute.scheduler.fakes import host_state, request

FILTERS = [
    retry_filter.RetryFilter,
    compute_filter.ComputeFilter,
    ram_filter.RamFilter,
    core_filter.CoreFilter,
    disk_filter.DiskFilter,
    affinity_filter.ServerGroupAntiAffinityFilter,
    affinity_filter.ServerGroupAffinityFilter,
]


@pytest.fixture
def scheduler() -> FilterScheduler:
    return FilterScheduler([cls() for cls in FILTERS], [ram.RAMWeigher()])


def hosts_of(selections):
    return [s["host"] for s in selections]


def test_default_configuration_builds(flags):
    scheduler = FilterScheduler()
    assert "ComputeFilter" in [f.name() for f in scheduler.filter_handler.filters]


def test_single_instance_goes_to_the_best_weighed_host(scheduler):
    hosts = [host_state("h1", free_ram_mb=2048), host_state("h2", free_ram_mb=6000)]
    [selection] = scheduler.select_destinations(hosts, request(memory_mb=1024), ["i1"])
    assert selection == {
        "host": "h2",
        "nodename": "h2",
        "limits": {"memory_mb": 8192.0, "vcpu": 4.0, "disk_gb": 100.0},
    }
    assert hosts[1].free_ram_mb == 6000 - 1024
    assert hosts[1].vcpus_used == 1
    assert hosts[1].free_disk_mb == 99 * 1024
    assert "i1" in hosts[1].instances


def test_multi_instance_request_spreads_as_resources_are_consumed(scheduler):
    hosts = [host_state("h1", free_ram_mb=4096), host_state("h2", free_ram_mb=3072)]
    selections = scheduler.select_destinations(
        hosts, request(memory_mb=1024, num_instances=4), ["a", "b", "c", "d"]
    )
    # 4096/3072 -> h1; 3072/3072 tie keeps h1 first -> h1; 2048/3072 -> h2; 2048/2048 -> h1
    assert hosts_of(selections) == ["h1", "h1", "h2", "h1"]
    assert hosts[0].free_ram_mb == 1024 and hosts[1].free_ram_mb == 2048


def test_multi_instance_request_stacks_with_a_negative_multiplier(scheduler, flags):
    flags("filter_scheduler", ram_weight_multiplier=-1.0)
    hosts = [host_state("h1", free_ram_mb=4096), host_state("h2", free_ram_mb=3072)]
    selections = scheduler.select_destinations(hosts, request(memory_mb=1024, num_instances=3))
    assert hosts_of(selections) == ["h2", "h2", "h2"]


def test_request_larger_than_the_cloud_fails_whole_and_gives_back(scheduler):
    hosts = [host_state("h1", ram_mb=2048), host_state("h2", ram_mb=2048)]
    with pytest.raises(exception.NoValidHost) as info:
        scheduler.select_destinations(
            hosts, request(memory_mb=1024, num_instances=5), ["a", "b", "c", "d", "e"]
        )
    assert info.value.format_message() == (
        "No valid host was found. There are not enough hosts available. "
        "Filtered: RamFilter removed 2 of 2 hosts. 4 of 5 instances could be placed."
    )
    assert [h.free_ram_mb for h in hosts] == [2048, 2048]
    assert [h.vcpus_used for h in hosts] == [0, 0]
    assert all(not h.instances for h in hosts)


def test_reason_names_each_filter_and_how_many_hosts_it_removed(scheduler):
    hosts = [
        host_state("down", up=False),
        host_state("small1", free_ram_mb=256),
        host_state("small2", free_ram_mb=256),
    ]
    with pytest.raises(exception.NoValidHost) as info:
        scheduler.select_destinations(hosts, request(memory_mb=512), ["i1"])
    assert str(info.value) == (
        "No valid host was found. There are not enough hosts available. "
        "Filtered: ComputeFilter removed 1 of 3 hosts, RamFilter removed 2 of 2 hosts."
    )


def test_reason_when_no_compute_node_exists(scheduler):
    with pytest.raises(exception.NoValidHost, match="No compute node is registered"):
        scheduler.select_destinations([], request(), ["i1"])


def test_retry_hosts_are_skipped(scheduler):
    hosts = [host_state("h1", free_ram_mb=8000), host_state("h2", free_ram_mb=1000)]
    spec = request(retry_hosts=[("h1", "h1")])
    assert hosts_of(scheduler.select_destinations(hosts, spec)) == ["h2"]
    spec = request(retry_hosts=[("h1", "h1"), ("h2", "h2")])
    with pytest.raises(exception.NoValidHost, match="RetryFilter removed 2 of 2 hosts"):
        scheduler.select_destinations(hosts, spec)


def test_ignore_hosts(scheduler):
    hosts = [host_state("h1", free_ram_mb=8000), host_state("h2", free_ram_mb=1000)]
    assert hosts_of(scheduler.select_destinations(hosts, request(ignore_hosts=["h1"]))) == ["h2"]
    with pytest.raises(exception.NoValidHost, match="ignore_hosts removed 2 of 2 hosts"):
        scheduler.select_destinations(hosts, request(ignore_hosts=["h1", "h2"]))


def test_forced_host_skips_the_filters(scheduler):
    hosts = [host_state("h1"), host_state("h2", disabled=True, free_ram_mb=0)]
    spec = request(memory_mb=4096, force_hosts=["H2"])
    assert hosts_of(scheduler.select_destinations(hosts, spec)) == ["h2"]


def test_forced_unknown_host_is_refused(scheduler):
    hosts = [host_state("h1"), host_state("h2")]
    with pytest.raises(exception.NoValidHost, match="force_hosts removed 2 of 2 hosts"):
        scheduler.select_destinations(hosts, request(force_hosts=["h9"]))


def test_forced_node(scheduler):
    hosts = [host_state("h1", "n1"), host_state("h1", "n2")]
    selections = scheduler.select_destinations(hosts, request(force_nodes=["n2"]))
    assert selections[0]["nodename"] == "n2"


def test_affinity_group_keeps_a_multi_create_on_one_host(scheduler):
    hosts = [host_state("h1", free_ram_mb=8000), host_state("h2", free_ram_mb=7000)]
    spec = request(memory_mb=2048, num_instances=3, policy="affinity")
    # Without the group the third would go to h2 (h1 has 8000-4096 left).
    assert hosts_of(scheduler.select_destinations(hosts, spec, ["a", "b", "c"])) == ["h1"] * 3


def test_affinity_group_follows_an_existing_member(scheduler):
    hosts = [host_state("h1", free_ram_mb=8000), host_state("h2", instances=["m1"])]
    spec = request(policy="affinity", members=["m1"])
    assert hosts_of(scheduler.select_destinations(hosts, spec, ["new"])) == ["h2"]


def test_anti_affinity_group_puts_each_member_on_its_own_host(scheduler):
    hosts = [host_state(f"h{i}") for i in range(3)]
    spec = request(num_instances=3, policy="anti-affinity")
    selections = scheduler.select_destinations(hosts, spec, ["a", "b", "c"])
    assert sorted(hosts_of(selections)) == ["h0", "h1", "h2"]


def test_anti_affinity_group_with_more_members_than_hosts_fails(scheduler):
    hosts = [host_state("h0"), host_state("h1")]
    spec = request(num_instances=3, policy="anti-affinity")
    with pytest.raises(exception.NoValidHost) as info:
        scheduler.select_destinations(hosts, spec, ["a", "b", "c"])
    assert "ServerGroupAntiAffinityFilter removed 2 of 2 hosts" in str(info.value)
    assert "2 of 3 instances could be placed" in str(info.value)


def test_host_subset_size_picks_among_the_best(scheduler, flags):
    flags("filter_scheduler", host_subset_size=2)
    chosen = set()
    for _ in range(60):
        hosts = [
            host_state("best", free_ram_mb=8000),
            host_state("second", free_ram_mb=7999),
            host_state("worst", free_ram_mb=100),
        ]
        chosen.update(hosts_of(scheduler.select_destinations(hosts, request(memory_mb=1))))
    assert chosen == {"best", "second"}


def test_host_subset_size_one_is_deterministic(scheduler):
    for _ in range(20):
        hosts = [host_state("best", free_ram_mb=8000), host_state("second", free_ram_mb=7999)]
        assert hosts_of(scheduler.select_destinations(hosts, request(memory_mb=1))) == ["best"]
