"""cinder-scheduler's filters, weighers and pool states, as Cinder decides."""

from __future__ import annotations

import pytest

import blockstorage.conf  # noqa: F401  registers the scheduler options
from blockstorage import exception
from blockstorage.scheduler.filter_scheduler import FilterScheduler
from blockstorage.scheduler.filters import build_filters, extra_specs_ops
from blockstorage.scheduler.filters.availability_zone_filter import AvailabilityZoneFilter
from blockstorage.scheduler.filters.capabilities_filter import CapabilitiesFilter
from blockstorage.scheduler.filters.capacity_filter import CapacityFilter
from blockstorage.scheduler.host_manager import HostManager, PoolState, over_subscription_ratio
from blockstorage.scheduler.weights import AllocatedCapacityWeigher, CapacityWeigher, weigh
from common.config import CONF


@pytest.fixture(autouse=True)
def conf():
    CONF([], project="cinder", default_config_files=[])
    yield
    CONF.reset()
    CONF.clear()


def pool(name="node1@lvm", pool_name="lvm", zone="nova", **caps) -> PoolState:
    report = {
        "volume_backend_name": pool_name,
        "total_capacity_gb": 100,
        "free_capacity_gb": 50,
        "reserved_percentage": 0,
        **caps,
    }
    return PoolState.from_report(name, report, None, zone)


def props(size=10, **extra):
    return {"size": size, "volume_properties": {"size": size}, **extra}


# -- CapacityFilter --------------------------------------------------------------------------
def test_capacity_thick_pool_needs_free_space():
    f = CapacityFilter()
    assert f.backend_passes(pool(free_capacity_gb=10), props(10))
    assert not f.backend_passes(pool(free_capacity_gb=9), props(10))


def test_capacity_reserved_percentage_is_not_free():
    # 100 GB total, 10% reserved: 50 free leaves 40.
    f = CapacityFilter()
    assert f.backend_passes(pool(reserved_percentage=10), props(40))
    assert not f.backend_passes(pool(reserved_percentage=10), props(41))


def test_capacity_thin_over_subscription():
    thin = {"thin_provisioning_support": True, "max_over_subscription_ratio": 2.0}
    f = CapacityFilter()
    # provisioned 150 of 100 total: +50 reaches the ratio 2.0 exactly, +51 passes it.
    assert f.backend_passes(pool(provisioned_capacity_gb=150, **thin), props(50))
    assert not f.backend_passes(pool(provisioned_capacity_gb=150, **thin), props(51))
    # Only 1 GB free: thin lets 2 GB of virtual space through, not 3.
    small = pool(free_capacity_gb=1, provisioned_capacity_gb=0, **thin)
    assert f.backend_passes(small, props(2))
    assert not f.backend_passes(small, props(3))


def test_capacity_thick_type_ignores_over_subscription():
    thin = {"thin_provisioning_support": True, "max_over_subscription_ratio": 20.0}
    thick_type = {"volume_type": {"extra_specs": {"provisioning:type": "thick"}}}
    state = pool(free_capacity_gb=5, **thin)
    assert CapacityFilter().backend_passes(state, props(50))
    assert not CapacityFilter().backend_passes(state, props(50, **thick_type))


def test_capacity_invalid_ratio_and_unknown_sizes():
    f = CapacityFilter()
    assert not f.backend_passes(
        pool(thin_provisioning_support=True, max_over_subscription_ratio=0.5), props(1)
    )
    assert f.backend_passes(pool(free_capacity_gb="infinite"), props(10_000))
    assert f.backend_passes(pool(total_capacity_gb="unknown"), props(10))
    assert not f.backend_passes(pool(total_capacity_gb="unknown", reserved_percentage=5), props(1))
    assert not f.backend_passes(pool(total_capacity_gb=0, free_capacity_gb=0), props(1))


def test_auto_over_subscription_ratio():
    caps = {
        "thin_provisioning_support": True,
        "max_over_subscription_ratio": "auto",
        "total_capacity_gb": 100,
        "free_capacity_gb": 59,
        "provisioned_capacity_gb": 84,
    }
    assert over_subscription_ratio(caps) == pytest.approx(1 + 84 / 42)
    assert over_subscription_ratio({**caps, "provisioned_capacity_gb": 0}) == 20.0
    assert over_subscription_ratio({"thin_provisioning_support": False}) == 1.0


# -- AvailabilityZoneFilter and CapabilitiesFilter ------------------------------------------
def test_availability_zone_filter():
    f = AvailabilityZoneFilter()
    wanted = props(volume_properties={"availability_zone": "az2"})
    assert f.backend_passes(pool(zone="az2"), wanted)
    assert not f.backend_passes(pool(zone="nova"), wanted)
    assert f.backend_passes(pool(zone="az3"), props(availability_zones=["az1", "az3"]))


def test_capabilities_filter_matches_extra_specs():
    f = CapabilitiesFilter()
    state = pool(storage_protocol="iSCSI", multiattach=True, vendor_name="Open Source")

    def spec(**specs):
        return props(volume_type={"extra_specs": specs})

    assert f.backend_passes(state, spec(volume_backend_name="lvm"))
    assert not f.backend_passes(state, spec(volume_backend_name="file"))
    assert f.backend_passes(state, spec(**{"capabilities:storage_protocol": "<in> iSCSI"}))
    assert f.backend_passes(state, spec(multiattach="<is> True"))
    assert not f.backend_passes(state, spec(compression="<is> True"))  # not reported
    # Other scopes are for other parts of Cinder.
    assert f.backend_passes(state, spec(**{"RESKEY:availability_zones": "x", "qos:iops": "9"}))


@pytest.mark.parametrize(
    ("value", "requirement", "expected"),
    [
        (10, "= 5", True),
        (4, "= 5", False),
        ("abc", "s== abc", True),
        ("rbd", "<or> lvm <or> rbd", True),
        ("nfs", "<or> lvm <or> rbd", False),
        (False, "<is> False", True),
        ("2.0", ">= 2", True),
        ("thin", "thin", True),
    ],
)
def test_extra_specs_ops(value, requirement, expected):
    assert extra_specs_ops.match(value, requirement) is expected


def test_unknown_filter_is_refused():
    with pytest.raises(exception.SchedulerHostFilterNotFound):
        build_filters(["CapacityFilter", "NoSuchFilter"])


# -- weighers and selection ----------------------------------------------------------------
def test_capacity_weigher_prefers_free_virtual_capacity():
    roomy = pool("node1@a", "a", free_capacity_gb=80)
    tight = pool("node2@b", "b", free_capacity_gb=20)
    ranked = weigh([CapacityWeigher()], [tight, roomy], props())
    assert [w.pool.host for w in ranked] == ["node1@a#a", "node2@b#b"]
    CONF.set_override("capacity_weight_multiplier", -1.0)
    ranked = weigh([CapacityWeigher()], [tight, roomy], props())
    assert ranked[0].pool.host == "node2@b#b"


def test_allocated_capacity_weigher_prefers_less_allocated():
    busy = pool("node1@a", "a", allocated_capacity_gb=90)
    idle = pool("node2@b", "b", allocated_capacity_gb=0)
    assert weigh([AllocatedCapacityWeigher()], [busy, idle], props())[0].pool is idle


def test_no_valid_backend_names_the_filters():
    scheduler = FilterScheduler()
    pools = [pool("node1@a", "a", zone="az1"), pool("node2@b", "b", free_capacity_gb=1)]
    with pytest.raises(exception.NoValidBackend) as err:
        scheduler.select_pool(pools, props(10, volume_properties={"availability_zone": "nova"}))
    assert err.value.format_message() == (
        "No valid backend was found. No weighed backends available. Filtered: "
        "AvailabilityZoneFilter removed 1 of 2 backend pools, CapacityFilter removed 1 of "
        "1 backend pool."
    )
    with pytest.raises(exception.NoValidBackend, match="No volume backend is up"):
        scheduler.select_pool([], props(1))


def test_resource_backend_keeps_a_clone_with_its_source():
    scheduler = FilterScheduler()
    pools = [pool("node1@a", "a", free_capacity_gb=90), pool("node2@b", "b", free_capacity_gb=10)]
    assert scheduler.select_pool(pools, props(1)).host == "node1@a#a"
    assert scheduler.select_pool(pools, props(1, resource_backend="node2@b")).host == "node2@b#b"


# -- pools from the backends' reports ---------------------------------------------------------
class FakeService:
    def __init__(self, host, up=True, disabled=False, zone="nova"):
        self.host, self._up, self.disabled, self.availability_zone = host, up, disabled, zone

    def is_up(self):
        return self._up


def test_host_manager_builds_pools_of_live_backends():
    manager = HostManager()
    report = {
        "volume_backend_name": "lvm",
        "storage_protocol": "iSCSI",
        "pools": [
            {"pool_name": "vg1", "total_capacity_gb": 10, "free_capacity_gb": 8},
            {"pool_name": "vg2", "total_capacity_gb": 20, "free_capacity_gb": 20},
        ],
    }
    manager.update_service_capabilities("volume", "node1@lvm", report)
    manager.update_service_capabilities("volume", "node2@lvm", report)
    manager.update_service_capabilities("volume", "node3@lvm", report)
    services = [FakeService("node1@lvm"), FakeService("node2@lvm", up=False),
                FakeService("node3@lvm", disabled=True), FakeService("node4@lvm")]  # fmt: skip
    pools = manager.pool_states(services)
    assert [p.host for p in pools] == ["node1@lvm#vg1", "node1@lvm#vg2"]
    assert pools[0].capabilities["storage_protocol"] == "iSCSI"
    # What this scheduler placed counts until the backend reports again.
    manager.note_consumed(pools[0], 3)
    assert manager.pool_states(services)[0].free_capacity_gb == 5
    manager.update_service_capabilities("volume", "node1@lvm", report)
    assert manager.pool_states(services)[0].free_capacity_gb == 8
    names = manager.get_pools(services, {"name": "node1@lvm#vg2"})
    assert [p["name"] for p in names] == ["node1@lvm#vg2"]
    assert names[0]["capabilities"]["total_capacity_gb"] == 20
