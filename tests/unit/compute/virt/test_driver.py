"""Loading the driver an operator names in compute_driver, and the interface's defaults."""

from __future__ import annotations

import sys
import types

import pytest

from common.config import CONF
from compute import exception
from compute.virt import driver as virt_driver
from compute.virt import fake
from compute.virt.driver import ComputeDriver, load_compute_driver


@pytest.mark.parametrize(
    "name", ["fake.FakeDriver", "compute.virt.fake.FakeDriver", "nova.virt.fake.FakeDriver"]
)
def test_fake_driver_loads_by_novas_names(conf, name):
    loaded = load_compute_driver(name)
    assert type(loaded) is fake.FakeDriver


def test_the_option_is_read_when_no_name_is_given(conf):
    conf(group=None, compute_driver="fake.FakeDriver")
    virtapi = object()
    loaded = load_compute_driver(virtapi=virtapi)
    assert isinstance(loaded, fake.FakeDriver)
    assert loaded.virtapi is virtapi


def test_unset_option_is_a_clear_error(conf):
    conf(group=None, compute_driver=None)
    with pytest.raises(exception.VirtDriverNotFound) as err:
        load_compute_driver()
    assert "compute_driver" in str(err.value)
    assert "fake.FakeDriver" in str(err.value)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("hyperv.HyperVDriver", "no module compute.virt.hyperv"),
        ("fake.NoSuchDriver", "has no NoSuchDriver"),
        ("FakeDriver", "expected module.Class"),
        ("compute.states.ActionRule", "not a ComputeDriver"),
    ],
)
def test_unloadable_driver_says_why(name, reason):
    with pytest.raises(exception.VirtDriverNotFound) as err:
        load_compute_driver(name)
    assert name in str(err.value)
    assert reason in str(err.value)


def test_libvirt_name_resolves_inside_compute_virt(monkeypatch):
    """``libvirt.LibvirtDriver`` means compute.virt.libvirt, never the libvirt-python
    module of the same name."""
    module = types.ModuleType("compute.virt.libvirt")

    class LibvirtDriver(ComputeDriver):
        pass

    module.LibvirtDriver = LibvirtDriver
    monkeypatch.setitem(sys.modules, "compute.virt.libvirt", module)
    assert type(load_compute_driver("libvirt.LibvirtDriver")) is LibvirtDriver


def test_missing_libvirt_driver_is_a_clear_error(monkeypatch):
    # What nova-compute says while compute.virt.libvirt does not exist (or cannot load).
    monkeypatch.setitem(sys.modules, "compute.virt.libvirt", None)
    with pytest.raises(exception.VirtDriverNotFound) as err:
        load_compute_driver("libvirt.LibvirtDriver")
    assert "Could not load virt driver libvirt.LibvirtDriver" in str(err.value)


def test_a_missing_dependency_inside_a_driver_is_reported(tmp_path, monkeypatch):
    package = tmp_path / "novella_test_drivers"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "broken.py").write_text("import no_such_hypervisor_binding\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(exception.VirtDriverNotFound) as err:
        load_compute_driver("novella_test_drivers.broken.Driver")
    assert "no_such_hypervisor_binding" in str(err.value)


def test_a_driver_failing_to_start_is_reported(monkeypatch):
    module = types.ModuleType("compute.virt.grumpy")

    class GrumpyDriver(ComputeDriver):
        def __init__(self, virtapi=None):
            raise RuntimeError("cannot reach the hypervisor")

    module.GrumpyDriver = GrumpyDriver
    monkeypatch.setitem(sys.modules, "compute.virt.grumpy", module)
    with pytest.raises(exception.VirtDriverNotFound) as err:
        load_compute_driver("grumpy.GrumpyDriver")
    assert "cannot reach the hypervisor" in str(err.value)


def test_base_driver_supports_nothing_by_default():
    base = ComputeDriver()
    for call in (
        lambda: base.init_host("h"),
        lambda: base.get_available_nodes(),
        lambda: base.get_info(object()),
        lambda: base.spawn(None, object(), {}, [], None),
        lambda: base.destroy(None, object()),
        lambda: base.reboot(None, object(), None, "SOFT"),
        lambda: base.power_off(object()),
        lambda: base.power_on(None, object(), None),
        lambda: base.pause(object()),
        lambda: base.suspend(None, object()),
        lambda: base.rebuild(None, object(), {}),
        lambda: base.snapshot(None, object(), "img", lambda **kw: None),
        lambda: base.migrate_disk_and_power_off(None, object(), "h", None, None),
        lambda: base.get_console_output(None, object()),
    ):
        with pytest.raises(NotImplementedError):
            call()
    assert base.capabilities["supports_snapshot"] is False
    assert set(fake.FakeDriver.capabilities) == set(virt_driver.ComputeDriver.capabilities)


def test_compute_options_have_novas_defaults():
    assert CONF.instance_build_timeout == 0
    assert CONF.sync_power_state_interval == 600
    assert CONF.running_deleted_instance_action == "reap"
    assert CONF.resume_guests_state_on_host_boot is False
    assert CONF.reserved_host_memory_mb == 512
    assert CONF.fake_driver.spawn_delay == 0.0
    assert CONF.fake_driver.fail_spawn_on_hosts == []
