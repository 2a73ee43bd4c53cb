"""Backend sections, driver loading, the services of enabled_backends, tgt parsing."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from blockstorage.cmd import volume as volume_cmd
from blockstorage.conf.volume import BackendConfiguration, backend_names
from blockstorage.volume import driver as volume_driver
from blockstorage.volume import exception
from blockstorage.volume.drivers.file import FileVolumeDriver
from blockstorage.volume.drivers.lvm import LVMVolumeDriver
from blockstorage.volume.targets import tgt
from common.config import CONF

SHOW = """Target 1: iqn.2010-10.org.openstack:volume-a
    System information:
        Driver: iscsi
        State: ready
    I_T nexus information:
    LUN information:
        LUN: 0
            Type: controller
            Backing store path: None
        LUN: 1
            Type: disk
            Backing store path: /var/lib/novella/file-volumes/volume-a
    Account information:
        userA
    ACL information:
        ALL
Target 3: iqn.2010-10.org.openstack:volume-b
    System information:
    LUN information:
        LUN: 0
            Backing store path: None
    Account information:
    ACL information:
"""


@pytest.fixture
def sections():
    names = []

    def make(name, **values):
        names.append((name, list(values)))
        config = BackendConfiguration(name)
        for key, value in values.items():
            CONF.set_override(key, value, group=name)
        return config

    yield make
    for name, keys in names:
        for key in keys:
            CONF.clear_override(key, group=name)


def test_a_section_falls_back_to_backend_defaults(sections):
    CONF.set_override("volume_group", "shared-vg", group="backend_defaults")
    try:
        own = sections("lvm-own", volume_group="own-vg")
        inherited = sections("lvm-inherit")
        assert own.volume_group == "own-vg"
        assert inherited.volume_group == "shared-vg"
        assert inherited.target_prefix == "iqn.2010-10.org.openstack:"
        assert inherited.backend_name == "lvm-inherit"
    finally:
        CONF.clear_override("volume_group", group="backend_defaults")


def test_enabled_backends_become_one_service_each(sections, monkeypatch):
    sections("lvm-1", volume_driver="lvm.LVMVolumeDriver", volume_backend_name="LVM")
    sections("file-1", volume_driver="cinder.volume.drivers.file.FileVolumeDriver")
    CONF.set_override("enabled_backends", ["lvm-1", " file-1", "lvm-1", ""])
    CONF.set_override("host", "node7")
    try:
        assert backend_names() == ["lvm-1", "file-1"]
        services = volume_cmd.build_services(backend_names())
    finally:
        CONF.clear_override("enabled_backends")
        CONF.clear_override("host")
    assert [(s.host, s.topic, s.binary) for s in services] == [
        ("node7@lvm-1", "cinder-volume", "cinder-volume"),
        ("node7@file-1", "cinder-volume", "cinder-volume"),
    ]
    assert isinstance(services[0].manager.driver, LVMVolumeDriver)
    assert services[0].manager.driver.backend_name == "LVM"
    assert isinstance(services[1].manager.driver, FileVolumeDriver)


def test_driver_names(sections):
    assert volume_driver.resolve_driver_class("lvm.LVMVolumeDriver") is LVMVolumeDriver
    assert (
        volume_driver.resolve_driver_class("blockstorage.volume.drivers.file.FileVolumeDriver")
        is FileVolumeDriver
    )
    for bad in ("nope.Driver", "lvm.Nope", "os.path"):
        with pytest.raises(exception.VolumeDriverNotFound):
            volume_driver.resolve_driver_class(bad)


def test_lvm_activation_hook_changes_the_command_line(sections):
    calls = []

    def execute(*cmd, **kwargs):
        calls.append((list(cmd), kwargs))
        return "", ""

    on = LVMVolumeDriver(sections("lvm-on", volume_group="vg"), execute=execute)
    off = LVMVolumeDriver(sections("lvm-off", volume_group="vg", lvm_activation=False,
                                   lvm_suppress_fd_warnings=True), execute=execute)  # fmt: skip
    volume = SimpleNamespace(id="abc", size=2)
    on.create_volume(volume)
    off.create_volume(volume)
    assert calls[0][0] == ["lvcreate", "-n", "volume-abc", "vg", "-L", "2g"]
    assert calls[1][0] == ["lvcreate", "--config", "global{activation=0}", "-n", "volume-abc",
                           "vg", "-L", "2g"]  # fmt: skip
    assert calls[0][1]["run_as_root"] is True
    assert calls[0][1]["env_variables"] == {"LC_ALL": "C"}
    assert calls[1][1]["env_variables"]["LVM_SUPPRESS_FD_WARNINGS"] == "1"


def test_parse_tgtadm_show():
    targets = tgt.parse_show_targets(SHOW)
    a = targets["iqn.2010-10.org.openstack:volume-a"]
    assert (a.tid, a.luns[1], a.accounts, a.acl) == (
        1, "/var/lib/novella/file-volumes/volume-a", ["userA"], ["ALL"])  # fmt: skip
    b = targets["iqn.2010-10.org.openstack:volume-b"]
    assert (b.tid, 1 in b.luns, b.accounts, b.acl) == (3, False, [], [])


def test_provider_strings():
    assert tgt.parse_provider_location("10.0.0.5:3260,4 iqn.x:volume-z 1") == (
        "10.0.0.5:3260", "iqn.x:volume-z", 1)  # fmt: skip
    assert tgt.parse_provider_auth("CHAP user secret") == ("user", "secret")
    assert tgt.parse_provider_auth(None) is None and tgt.parse_provider_auth("junk") is None
    user, password = tgt.generate_chap()
    assert len(user) == 20 and len(password) == 16 and user.isalnum()
    assert tgt.generate_chap() != (user, password)


def test_new_target_skips_a_tid_taken_by_another_process(sections):
    from common import processutils

    seen = []

    def execute(*cmd, **kwargs):
        seen.append(cmd)
        if "--tid" in cmd and cmd[cmd.index("--tid") + 1] == "2":
            raise processutils.ProcessExecutionError(
                exit_code=22, stderr="tgtadm: this target already exists"
            )
        return "", ""  # fmt: skip

    helper = tgt.TgtAdm(sections("tgt-1"), execute=execute)
    assert helper._new_target("iqn.x:volume-q", {1}) == 3
    assert [c[c.index("--tid") + 1] for c in seen] == ["2", "3"]
