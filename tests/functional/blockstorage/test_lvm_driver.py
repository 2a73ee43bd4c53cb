"""The LVM driver against a real volume group on a loop device.

This kernel has no device-mapper, so the backend runs with ``lvm_activation = False``:
every LVM command carries ``--config global{activation=0}`` and changes only the VG's
metadata. The test checks the exact command lines the driver ran and, independently,
what ``lvs`` / ``vgs`` say about the volume group.
"""

from __future__ import annotations

import os
import subprocess
import uuid

import pytest

from blockstorage.volume import exception
from blockstorage.volume.drivers.lvm import LVMVolumeDriver
from tests.functional.blockstorage.backend_fixtures import (
    RecordingExecute,
    backend_section,
    make_volume,
    require_tools,
)

NO_ACTIVATION = ["--config", "global{activation=0}"]
ENV = {**os.environ, "LVM_SUPPRESS_FD_WARNINGS": "1", "LC_ALL": "C"}


def _run(*cmd: str) -> str:
    return subprocess.run(cmd, check=True, capture_output=True, text=True, env=ENV).stdout


@pytest.fixture
def volume_group(tmp_path):
    """A 3 GiB sparse file on a loop device holding a fresh VG; all removed afterwards."""
    require_tools("losetup", "pvcreate", "vgcreate", "lvcreate")
    backing = tmp_path / "pv.img"
    with open(backing, "wb") as handle:
        handle.truncate(3 * 1024**3)
    loop = _run("losetup", "-f", "--show", str(backing)).strip()
    vg = f"novella-test-{uuid.uuid4().hex[:8]}"
    try:
        _run("pvcreate", "-q", loop)
        _run("vgcreate", "-q", vg, loop)
        yield vg
    finally:
        subprocess.run(["vgremove", *NO_ACTIVATION, "-f", vg], capture_output=True, env=ENV)
        subprocess.run(["pvremove", "-q", loop], capture_output=True, env=ENV)
        subprocess.run(["losetup", "-d", loop], capture_output=True)
    assert str(backing) not in _run("losetup", "-a")


def _lvs(vg: str) -> dict[str, float]:
    out = _run(
        "lvs", *NO_ACTIVATION, "--noheadings", "--units", "g", "--nosuffix",
        "-o", "lv_name,lv_size", vg,
    )  # fmt: skip
    return {name: float(size) for name, size in (line.split() for line in out.splitlines())}


@pytest.fixture
def driver(volume_group):
    recorder = RecordingExecute()
    with backend_section(
        volume_driver="lvm.LVMVolumeDriver",
        volume_group=volume_group,
        lvm_activation=False,
        lvm_suppress_fd_warnings=True,
    ) as config:
        drv = LVMVolumeDriver(config, execute=recorder, host="node1@lvm")
        drv.do_setup(None)
        drv.check_for_setup_error()
        recorder.commands.clear()
        yield drv, recorder, volume_group


def test_create_extend_delete_run_exact_lvm_commands_and_change_the_vg(driver):
    drv, recorder, vg = driver
    volume = make_volume(size=1)
    name = f"volume-{volume.id}"

    drv.create_volume(volume)
    assert recorder.commands == [["lvcreate", *NO_ACTIVATION, "-n", name, vg, "-L", "1g"]]
    assert _lvs(vg) == {name: 1.0}

    recorder.commands.clear()
    drv.extend_volume(volume, 2)
    assert recorder.commands == [["lvextend", *NO_ACTIVATION, "-L", "2g", f"{vg}/{name}"]]
    assert _lvs(vg) == {name: 2.0}

    recorder.commands.clear()
    drv.delete_volume(volume)
    lvs_cmd = ["lvs", *NO_ACTIVATION, "--noheadings", "--unit=g", "-o", "vg_name,name,size",
               "--nosuffix", vg]  # fmt: skip
    assert recorder.commands == [lvs_cmd, ["lvremove", *NO_ACTIVATION, "-f", f"{vg}/{name}"]]
    assert _lvs(vg) == {}

    # Deleting again finds nothing to remove and succeeds (a retried delete).
    recorder.commands.clear()
    drv.delete_volume(volume)
    assert recorder.commands == [lvs_cmd]


def test_stats_report_the_volume_group_capacity(driver):
    drv, recorder, vg = driver
    drv.create_volume(make_volume(size=1))
    stats = drv.get_volume_stats(refresh=True)
    assert recorder.commands[-2][:3] == ["vgs", *NO_ACTIVATION]
    pool = stats["pools"][0]
    assert stats["storage_protocol"] == "iSCSI"
    assert pool["pool_name"] == stats["volume_backend_name"]
    assert 2.9 <= pool["total_capacity_gb"] <= 3.0
    assert pool["free_capacity_gb"] == pytest.approx(pool["total_capacity_gb"] - 1.0, abs=0.01)
    assert pool["provisioned_capacity_gb"] == 1.0 and pool["total_volumes"] == 1
    assert pool["location_info"] == f"LVMVolumeDriver:node1@lvm:{vg}:thick:0"


def test_a_missing_volume_group_is_reported_at_setup(driver):
    drv, _, _ = driver
    with backend_section(volume_group="no-such-vg", lvm_activation=False) as config:
        other = LVMVolumeDriver(config, host="node1@lvm")
        with pytest.raises(exception.VolumeGroupNotFound):
            other.check_for_setup_error()


def test_an_oversized_volume_fails_and_leaves_the_vg_unchanged(driver):
    drv, _, vg = driver
    with pytest.raises(Exception) as info:
        drv.create_volume(make_volume(size=5))
    assert "insufficient free space" in str(info.value).lower() or info.value.exit_code
    assert _lvs(vg) == {}
