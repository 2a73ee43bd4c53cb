"""Weighers: normalisation, multipliers (spread and stack), soft server-group policies."""

from __future__ import annotations

import pytest

from compute.scheduler import weights
from compute.scheduler.weights import affinity, cpu, disk, ram
from tests.unit.compute.scheduler.fakes import host_state, request


def order(weighers, hosts, spec=None):
    handler = weights.WeightHandler(weighers)
    return [w.host_state.host for w in handler.weigh(hosts, spec or request())]


def test_normalize():
    assert weights.normalize([]) == []
    assert weights.normalize([5, 5, 5]) == [0.0, 0.0, 0.0]
    assert weights.normalize([10, 20, 15]) == [0.0, 1.0, 0.5]
    assert weights.normalize([10, 20], minval=0, maxval=40) == [0.25, 0.5]


class TestRAMWeigher:
    hosts = [
        host_state("small", free_ram_mb=1024),
        host_state("big", free_ram_mb=4096),
        host_state("mid", free_ram_mb=2048),
    ]

    def test_positive_multiplier_spreads_to_the_most_free_ram(self):
        assert order([ram.RAMWeigher()], self.hosts) == ["big", "mid", "small"]

    def test_negative_multiplier_stacks_on_the_least_free_ram(self, flags):
        flags("filter_scheduler", ram_weight_multiplier=-1.0)
        assert order([ram.RAMWeigher()], self.hosts) == ["small", "mid", "big"]

    def test_weights_are_normalised_times_the_multiplier(self, flags):
        flags("filter_scheduler", ram_weight_multiplier=2.0)
        handler = weights.WeightHandler([ram.RAMWeigher()])
        result = {w.host_state.host: w.weight for w in handler.weigh(self.hosts, request())}
        assert result == {"big": 2.0, "mid": pytest.approx(2 / 3), "small": 0.0}

    def test_aggregate_metadata_overrides_the_multiplier(self, flags):
        flags("filter_scheduler", ram_weight_multiplier=1.0)
        hosts = [
            host_state(
                "stack-me",
                free_ram_mb=1024,
                aggregates=[{"metadata": {"ram_weight_multiplier": "-5"}}],
            ),
            host_state("other", free_ram_mb=4096),
        ]
        weigher = ram.RAMWeigher()
        assert weigher.weight_multiplier(hosts[0]) == -5.0
        assert weigher.weight_multiplier(hosts[1]) == 1.0

    def test_single_host_is_not_weighed(self):
        handler = weights.WeightHandler([ram.RAMWeigher()])
        [only] = handler.weigh([host_state("h1")], request())
        assert only.weight == 0.0


class TestCPUWeigher:
    def test_free_vcpus_count_the_allocation_ratio(self):
        hosts = [
            host_state("a", vcpus=4, vcpus_used=2, cpu_ratio=1.0),  # 2 free
            host_state("b", vcpus=4, vcpus_used=2, cpu_ratio=4.0),  # 14 free
        ]
        weigher = cpu.CPUWeigher()
        assert weigher.weigh_object(hosts[1], request()) == 14
        assert order([weigher], hosts) == ["b", "a"]

    def test_negative_multiplier_stacks(self, flags):
        flags("filter_scheduler", cpu_weight_multiplier=-1.0)
        hosts = [host_state("busy", vcpus_used=3), host_state("idle", vcpus_used=0)]
        assert order([cpu.CPUWeigher()], hosts) == ["busy", "idle"]


class TestDiskWeigher:
    def test_spreads_and_stacks(self, flags):
        hosts = [host_state("full", free_disk_gb=5), host_state("empty", free_disk_gb=90)]
        assert order([disk.DiskWeigher()], hosts) == ["empty", "full"]
        flags("filter_scheduler", disk_weight_multiplier=-1.0)
        assert order([disk.DiskWeigher()], hosts) == ["full", "empty"]


class TestCombined:
    def test_multipliers_decide_between_weighers(self, flags):
        hosts = [
            host_state("ram-rich", free_ram_mb=8192, vcpus_used=3),
            host_state("cpu-rich", free_ram_mb=4096, vcpus_used=0),
        ]
        weighers = [ram.RAMWeigher(), cpu.CPUWeigher()]
        flags("filter_scheduler", ram_weight_multiplier=1.0, cpu_weight_multiplier=2.0)
        assert order(weighers, hosts) == ["cpu-rich", "ram-rich"]
        flags("filter_scheduler", ram_weight_multiplier=3.0)
        assert order(weighers, hosts) == ["ram-rich", "cpu-rich"]


class TestSoftAffinity:
    hosts = [
        host_state("h1", instances=["m1"]),
        host_state("h2", instances=["m2", "m3"]),
        host_state("h3", instances=[]),
    ]
    members = ["m1", "m2", "m3"]

    def test_soft_affinity_prefers_the_host_with_most_members(self):
        spec = request(policy="soft-affinity", members=self.members)
        result = order([affinity.ServerGroupSoftAffinityWeigher()], self.hosts, spec)
        assert result[0] == "h2"

    def test_soft_anti_affinity_prefers_the_host_with_fewest_members(self):
        spec = request(policy="soft-anti-affinity", members=self.members)
        result = order([affinity.ServerGroupSoftAntiAffinityWeigher()], self.hosts, spec)
        assert result == ["h3", "h1", "h2"]

    def test_other_policies_give_no_weight(self):
        weigher = affinity.ServerGroupSoftAffinityWeigher()
        spec = request(policy="anti-affinity", members=self.members)
        assert weigher.weigh_object(self.hosts[1], spec) == 0


def test_all_weighers_load_by_default():
    built = weights.build_weighers(["compute.scheduler.weights.all_weighers"])
    assert {type(w).__name__ for w in built} == {
        "RAMWeigher",
        "CPUWeigher",
        "DiskWeigher",
        "ServerGroupSoftAffinityWeigher",
        "ServerGroupSoftAntiAffinityWeigher",
    }
