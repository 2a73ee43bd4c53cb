"""Every host filter: a host it lets through and a host it removes."""

from __future__ import annotations

import pytest

from compute import exception
from compute.scheduler import filters
from compute.scheduler.filters import (
    affinity_filter,
    aggregate_instance_extra_specs,
    availability_zone_filter,
    compute_filter,
    core_filter,
    disk_filter,
    extra_specs_ops,
    image_props_filter,
    ram_filter,
    retry_filter,
)
from tests.unit.compute.scheduler.fakes import host_state, request


class TestComputeFilter:
    f = compute_filter.ComputeFilter()

    def test_enabled_and_up_passes(self):
        assert self.f.host_passes(host_state(), request())

    def test_disabled_service_is_removed(self):
        assert not self.f.host_passes(host_state(disabled=True), request())

    def test_down_service_is_removed(self):
        assert not self.f.host_passes(host_state(up=False), request())


class TestRamFilter:
    f = ram_filter.RamFilter()

    def test_enough_free_ram_passes_and_sets_the_limit(self):
        host = host_state(ram_mb=2048, free_ram_mb=1024, ram_ratio=1.0)
        assert self.f.host_passes(host, request(memory_mb=1024))
        assert host.limits["memory_mb"] == 2048

    def test_not_enough_free_ram_is_removed(self):
        host = host_state(ram_mb=2048, free_ram_mb=1023)
        assert not self.f.host_passes(host, request(memory_mb=1024))

    def test_overcommit_ratio_makes_room(self):
        # total 2048 * 1.5 = 3072 usable, 2048 used already: 1024 left.
        host = host_state(ram_mb=2048, free_ram_mb=0, ram_ratio=1.5)
        assert self.f.host_passes(host, request(memory_mb=1024))
        assert host.limits["memory_mb"] == 3072
        assert not self.f.host_passes(host, request(memory_mb=1025))


class TestCoreFilter:
    f = core_filter.CoreFilter()

    def test_free_vcpus_pass_and_set_the_limit(self):
        host = host_state(vcpus=4, vcpus_used=2, cpu_ratio=2.0)
        assert self.f.host_passes(host, request(vcpus=4))
        assert host.limits["vcpu"] == 8

    def test_too_few_free_vcpus_are_removed(self):
        host = host_state(vcpus=4, vcpus_used=7, cpu_ratio=2.0)
        assert not self.f.host_passes(host, request(vcpus=2))

    def test_more_vcpus_than_physical_cpus_is_removed_despite_overcommit(self):
        host = host_state(vcpus=4, vcpus_used=0, cpu_ratio=16.0)
        assert not self.f.host_passes(host, request(vcpus=5))

    def test_node_reporting_no_vcpus_passes(self):
        assert self.f.host_passes(host_state(vcpus=0), request(vcpus=64))


class TestDiskFilter:
    f = disk_filter.DiskFilter()

    def test_root_ephemeral_and_swap_fit(self):
        # needs 1024*(5+4) + 1024 = 10240 MB; host has 10 GB free.
        host = host_state(disk_gb=20, free_disk_gb=10)
        assert self.f.host_passes(host, request(root_gb=5, ephemeral_gb=4, swap=1024))
        assert host.limits["disk_gb"] == 20

    def test_swap_counts(self):
        host = host_state(disk_gb=20, free_disk_gb=10)
        assert not self.f.host_passes(host, request(root_gb=5, ephemeral_gb=4, swap=1025))

    def test_overcommit_ratio(self):
        host = host_state(disk_gb=10, free_disk_gb=0, disk_ratio=2.0)
        assert self.f.host_passes(host, request(root_gb=10))
        assert not self.f.host_passes(host, request(root_gb=11))


class TestAvailabilityZoneFilter:
    f = availability_zone_filter.AvailabilityZoneFilter()

    def test_no_zone_requested_passes(self):
        assert self.f.host_passes(host_state(), request())

    def test_zone_from_aggregate_metadata(self):
        host = host_state(aggregates=[{"metadata": {"availability_zone": "az1"}}])
        assert self.f.host_passes(host, request(availability_zone="az1"))
        assert not self.f.host_passes(host, request(availability_zone="nova"))

    def test_host_in_no_zone_is_in_the_default_zone(self, flags):
        host = host_state(aggregates=[{"metadata": {"ssd": "true"}}])
        assert self.f.host_passes(host, request(availability_zone="nova"))
        flags(default_availability_zone="zone-x")
        assert not self.f.host_passes(host, request(availability_zone="nova"))
        assert self.f.host_passes(host, request(availability_zone="zone-x"))


class TestImagePropertiesFilter:
    f = image_props_filter.ImagePropertiesFilter()
    x86_qemu = [("x86_64", "qemu", "hvm")]

    def test_image_without_requirements_runs_anywhere(self):
        assert self.f.host_passes(host_state(), request(image_props={"os_distro": "cirros"}))

    def test_matching_architecture_hypervisor_and_mode(self):
        props = {"hw_architecture": "x86_64", "img_hv_type": "qemu", "hw_vm_mode": "hvm"}
        assert self.f.host_passes(host_state(supported=self.x86_qemu), request(image_props=props))

    def test_other_architecture_is_removed(self):
        props = {"hw_architecture": "aarch64"}
        assert not self.f.host_passes(
            host_state(supported=self.x86_qemu), request(image_props=props)
        )

    def test_other_hypervisor_type_is_removed(self):
        props = {"img_hv_type": "xen"}
        assert not self.f.host_passes(
            host_state(supported=self.x86_qemu), request(image_props=props)
        )

    def test_aliases_are_canonicalized(self):
        props = {"hw_architecture": "AMD64", "hw_vm_mode": "hv"}
        assert self.f.host_passes(host_state(supported=self.x86_qemu), request(image_props=props))

    def test_host_advertising_nothing_is_removed_when_the_image_asks(self):
        assert not self.f.host_passes(
            host_state(supported=[]), request(image_props={"hw_architecture": "x86_64"})
        )

    def test_requested_hypervisor_version(self):
        host = host_state(supported=self.x86_qemu, hypervisor_version=6002000)
        ok = {"img_hv_type": "qemu", "img_hv_requested_version": ">= 6.0, < 7"}
        too_new = {"img_hv_type": "qemu", "img_hv_requested_version": ">= 7.1"}
        assert self.f.host_passes(host, request(image_props=ok))
        assert not self.f.host_passes(host, request(image_props=too_new))

    def test_version_helpers(self):
        assert image_props_filter.version_to_str(1002003) == "1.2.3"
        assert image_props_filter.version_satisfies("6.2.0", ">=6.2")
        assert not image_props_filter.version_satisfies("6.2.0", "!= 6.2")
        assert not image_props_filter.version_satisfies("6.2.0", "about 6")


class TestAggregateInstanceExtraSpecsFilter:
    f = aggregate_instance_extra_specs.AggregateInstanceExtraSpecsFilter()
    ssd_host = host_state(aggregates=[{"metadata": {"ssd": "true", "cpus": "8"}}])

    def test_flavor_without_extra_specs_passes(self):
        assert self.f.host_passes(host_state(), request())

    def test_scoped_spec_matches_aggregate_metadata(self):
        specs = {"aggregate_instance_extra_specs:ssd": "true"}
        assert self.f.host_passes(self.ssd_host, request(extra_specs=specs))
        assert not self.f.host_passes(host_state(), request(extra_specs=specs))

    def test_unscoped_spec_is_checked_too(self):
        assert not self.f.host_passes(self.ssd_host, request(extra_specs={"ssd": "false"}))

    def test_other_scopes_are_ignored(self):
        specs = {"hw:cpu_policy": "dedicated", "quota:cpu_shares": "10"}
        assert self.f.host_passes(host_state(), request(extra_specs=specs))

    def test_operators(self):
        assert self.f.host_passes(self.ssd_host, request(extra_specs={"cpus": ">= 4"}))
        assert not self.f.host_passes(self.ssd_host, request(extra_specs={"cpus": ">= 16"}))

    def test_any_aggregate_may_match(self):
        host = host_state(
            aggregates=[{"metadata": {"ssd": "false"}}, {"metadata": {"ssd": "true"}}]
        )
        assert self.f.host_passes(host, request(extra_specs={"ssd": "true"}))


@pytest.mark.parametrize(
    ("value", "requirement", "expected"),
    [
        ("true", "true", True),
        ("true", "false", False),
        ("8", "= 4", True),
        ("2", "= 4", False),
        ("4", "== 4.0", True),
        ("4", "!= 4", False),
        ("x", ">= 4", False),
        ("abc", "s== abc", True),
        ("abc", "s< abd", True),
        ("abc", "s> abd", False),
        ("avx avx2 sse", "<in> avx2", True),
        ("avx sse", "<all-in> avx avx2", False),
        ("avx avx2 sse", "<all-in> avx avx2", True),
        ("b", "<or> a <or> b <or> c", True),
        ("d", "<or> a <or> b <or> c", False),
        (None, ">= 1", False),
    ],
)
def test_extra_specs_ops(value, requirement, expected):
    assert extra_specs_ops.match(value, requirement) is expected


class TestServerGroupFilters:
    affinity = affinity_filter.ServerGroupAffinityFilter()
    anti = affinity_filter.ServerGroupAntiAffinityFilter()

    def test_no_group_passes_both(self):
        assert self.affinity.host_passes(host_state(), request())
        assert self.anti.host_passes(host_state(instances=["a"]), request())

    def test_affinity_first_member_goes_anywhere(self):
        assert self.affinity.host_passes(host_state("h2"), request(policy="affinity"))

    def test_affinity_follows_the_group_hosts(self):
        spec = request(policy="affinity", group_hosts=["h1"])
        assert self.affinity.host_passes(host_state("h1"), spec)
        assert not self.affinity.host_passes(host_state("h2"), spec)

    def test_affinity_filter_ignores_anti_affinity_groups(self):
        spec = request(policy="anti-affinity", group_hosts=["h1"])
        assert self.affinity.host_passes(host_state("h2"), spec)

    def test_anti_affinity_removes_hosts_running_a_member(self):
        spec = request(policy="anti-affinity", members=["m1", "m2"])
        assert not self.anti.host_passes(host_state("h1", instances=["m1", "other"]), spec)
        assert self.anti.host_passes(host_state("h2", instances=["other"]), spec)

    def test_anti_affinity_max_server_per_host_rule(self):
        spec = request(
            policy="anti-affinity", members=["m1", "m2"], rules={"max_server_per_host": 2}
        )
        assert self.anti.host_passes(host_state("h1", instances=["m1"]), spec)
        assert not self.anti.host_passes(host_state("h1", instances=["m1", "m2"]), spec)

    def test_anti_affinity_lets_an_instance_stay_on_its_own_host(self):
        spec = request(policy="anti-affinity", members=["m1"], instance_uuid="m1")
        assert self.anti.host_passes(host_state("h1", instances=["m1"]), spec)


class TestRetryFilter:
    f = retry_filter.RetryFilter()

    def test_host_not_tried_passes(self):
        assert self.f.host_passes(host_state("h2"), request(retry_hosts=[("h1", "h1")]))

    def test_host_tried_is_removed(self):
        assert not self.f.host_passes(host_state("h1"), request(retry_hosts=[("h1", "h1")]))

    def test_other_node_of_a_tried_host_passes(self):
        assert self.f.host_passes(host_state("h1", "n2"), request(retry_hosts=[("h1", "n1")]))


class TestHandlerAndLoading:
    def test_all_filters_are_available_by_name(self):
        names = {cls.__name__ for cls in filters.all_filters()}
        assert {"ComputeFilter", "RamFilter", "CoreFilter", "DiskFilter"} <= names

    def test_unknown_enabled_filter_is_refused(self):
        with pytest.raises(exception.SchedulerHostFilterNotFound, match="NoSuchFilter"):
            filters.build_filters(["compute.scheduler.filters.all_filters"], ["NoSuchFilter"])

    def test_bad_available_path_is_refused(self):
        with pytest.raises(exception.ClassNotFound):
            filters.build_filters(["compute.scheduler.filters.nothing_here"], [])

    def test_single_class_path_is_accepted(self):
        built = filters.build_filters(
            ["compute.scheduler.filters.ram_filter.RamFilter"], ["RamFilter"]
        )
        assert [f.name() for f in built] == ["RamFilter"]

    def test_handler_counts_what_each_filter_removed(self):
        hosts = [
            host_state("h1", up=False),
            host_state("h2", free_ram_mb=100),
            host_state("h3"),
        ]
        handler = filters.FilterHandler([compute_filter.ComputeFilter(), ram_filter.RamFilter()])
        outcome = handler.run(hosts, request(memory_mb=512))
        assert [h.host for h in outcome.hosts] == ["h3"]
        assert outcome.explain() == (
            "ComputeFilter removed 1 of 3 hosts, RamFilter removed 1 of 2 hosts"
        )

    def test_once_per_request_filters_reuse_their_first_answer(self):
        calls = []

        class Counting(compute_filter.ComputeFilter):
            def host_passes(self, host_state, request):
                calls.append(host_state.host)
                return super().host_passes(host_state, request)

        hosts = [host_state("h1", up=False), host_state("h2")]
        handler = filters.FilterHandler([Counting()])
        memo: dict = {}
        handler.run(hosts, request(), 0, memo)
        second = handler.run(hosts, request(), 1, memo)
        assert calls == ["h1", "h2"]
        assert [h.host for h in second.hosts] == ["h2"]
        assert second.explain() == "Counting removed 1 of 2 hosts"
