"""tgt as the iSCSI target of file volumes, read through QEMU's own iSCSI initiator.

The test runs a tgtd on 127.0.0.1:3260 (started here unless one already runs), exports
a raw file volume with its CHAP account, and reads the LUN with ``qemu-img`` using an
``iscsi://user%password@host/iqn/lun`` URL: the right secret reads the volume's bytes,
a wrong or missing one is refused. A tgtd restart loses every target; ``ensure_export``
brings the volume's back with the same name and secret. Removing the export leaves no
target and no account behind.
"""

from __future__ import annotations

import logging
import os
import subprocess
import time

import pytest

from blockstorage.volume.drivers.file import FileVolumeDriver
from blockstorage.volume.targets import tgt
from tests.functional.blockstorage.backend_fixtures import (
    RecordingExecute,
    backend_section,
    make_volume,
    require_tools,
)

PORTAL = "127.0.0.1:3260"
MiB = 1024**2


def _tgtadm(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["tgtadm", "--lld", "iscsi", *args], capture_output=True, text=True,
                          check=check)  # fmt: skip


def _tgtd_running() -> bool:
    return _tgtadm("--op", "show", "--mode", "target", check=False).returncode == 0


def _start_tgtd(log_path: str) -> subprocess.Popen:
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(["tgtd", "-f", "--iscsi", f"portal={PORTAL}"], stdout=log,
                                stderr=log, start_new_session=True)  # fmt: skip
    deadline = time.monotonic() + 10
    while not _tgtd_running():
        assert proc.poll() is None, "tgtd exited at start"
        assert time.monotonic() < deadline, "tgtd did not start"
        time.sleep(0.1)
    return proc


def _wait_stopped(proc: subprocess.Popen) -> None:
    proc.wait(timeout=10)
    deadline = time.monotonic() + 10
    while _tgtd_running():
        assert time.monotonic() < deadline, "tgtd still answers"
        time.sleep(0.1)


def _stop_tgtd(proc: subprocess.Popen) -> None:
    """tgtd ignores SIGTERM and refuses to stop while it has targets: remove what a
    failed test left, then ask it to shut down."""
    for target in tgt.parse_show_targets(
        _tgtadm("--op", "show", "--mode", "target").stdout
    ).values():
        _tgtadm("--op", "delete", "--force", "--mode", "target", "--tid", str(target.tid))
    _tgtadm("--mode", "system", "--op", "delete", check=False)
    _wait_stopped(proc)


class TgtdRunner:
    """The tgtd of this module, when the test started it."""

    def __init__(self, log_path: str) -> None:
        self.log_path = log_path
        self.proc = _start_tgtd(log_path)

    def crash_and_restart(self) -> None:
        """A tgtd that dies loses every target, as after a host reboot."""
        self.proc.kill()
        _wait_stopped(self.proc)
        self.proc = _start_tgtd(self.log_path)


@pytest.fixture(scope="module")
def tgtd(tmp_path_factory):
    require_tools("tgtd", "tgtadm", "qemu-img")
    if _tgtd_running():
        yield None  # someone else's tgtd: use it, do not restart or stop it
        return
    runner = TgtdRunner(str(tmp_path_factory.mktemp("tgtd") / "tgtd.log"))
    yield runner
    _stop_tgtd(runner.proc)


@pytest.fixture
def driver(tmp_path, tgtd):
    with backend_section(
        volume_driver="file.FileVolumeDriver",
        file_volume_dir=str(tmp_path / "volumes"),
        file_volume_format="raw",
        volumes_dir=str(tmp_path / "targets"),
        target_ip_address="127.0.0.1",
        target_port=3260,
    ) as config:
        recorder = RecordingExecute()
        drv = FileVolumeDriver(config, execute=recorder, host="node1@file")
        drv.do_setup(None)
        yield drv, recorder


def _qemu_read(url: str, size: int, scratch) -> tuple[int, bytes, bytes]:
    """``(exit code, first size bytes, stderr)`` of reading an iSCSI LUN with QEMU's
    initiator."""
    out = scratch / "read.raw"
    out.unlink(missing_ok=True)
    result = subprocess.run(
        ["qemu-img", "dd", "-f", "raw", "-O", "raw", f"if={url}", f"of={out}", "bs=512",
         f"count={size // 512}"],
        capture_output=True, timeout=60,
    )  # fmt: skip
    data = out.read_bytes() if result.returncode == 0 else b""
    return result.returncode, data, result.stderr


def _exported_volume(drv):
    volume = make_volume(size=1)
    drv.create_volume(volume)
    payload = os.urandom(MiB)
    with open(drv.local_path(volume), "r+b") as handle:
        handle.write(payload)
    update = drv.create_export(None, volume)
    volume.provider_location = update["provider_location"]
    volume.provider_auth = update["provider_auth"]
    return volume, payload


def test_export_with_chap_is_readable_with_the_secret_only(driver, tmp_path, caplog):
    caplog.set_level(logging.DEBUG, logger="common.processutils")
    drv, recorder = driver
    volume, payload = _exported_volume(drv)
    iqn = f"iqn.2010-10.org.openstack:volume-{volume.id}"
    auth, user, password = volume.provider_auth.split()
    assert auth == "CHAP" and len(user) == 20 and len(password) == 16
    portal_tid, location_iqn, lun = volume.provider_location.split()
    assert portal_tid.startswith(PORTAL + ",") and location_iqn == iqn and lun == "1"

    shown = tgt.parse_show_targets(_tgtadm("--op", "show", "--mode", "target").stdout)[iqn]
    assert shown.luns[1] == drv.local_path(volume)
    assert shown.accounts == [user] and shown.acl == ["ALL"]

    conn = drv.initialize_connection(volume, {"initiator": "iqn.2008-11.org.linux-kvm",
                                              "host": "node1"})  # fmt: skip
    assert conn["driver_volume_type"] == "iscsi"
    data = conn["data"]
    assert (data["target_iqn"], data["target_portal"], data["target_lun"]) == (iqn, PORTAL, 1)
    assert (data["auth_method"], data["auth_username"], data["auth_password"]) == (
        "CHAP", user, password,
    )  # fmt: skip
    assert data["volume_id"] == volume.id

    code, data_read, err = _qemu_read(f"iscsi://{user}%{password}@{PORTAL}/{iqn}/1", MiB, tmp_path)
    assert code == 0, err
    assert data_read == payload
    for url in (f"iscsi://{user}%wrong-secret@{PORTAL}/{iqn}/1", f"iscsi://{PORTAL}/{iqn}/1"):
        code, _, err = _qemu_read(url, 512, tmp_path)
        assert code != 0 and b"Authentication failure" in err

    # The password went over tgtadm's command line but never into the log of it.
    assert any(password in cmd for cmd in recorder.named("tgtadm"))
    assert "--password ***" in caplog.text and password not in caplog.text
    drv.remove_export(None, volume)


def test_ensure_export_is_idempotent_and_targets_get_their_own_tid(driver):
    drv, _ = driver
    first, _ = _exported_volume(drv)
    second, _ = _exported_volume(drv)
    assert first.provider_location.split()[0] != second.provider_location.split()[0]
    assert drv.ensure_export(None, first) is None  # present and unchanged: nothing to do
    targets = tgt.parse_show_targets(_tgtadm("--op", "show", "--mode", "target").stdout)
    assert len([t for t in targets if t.endswith(first.id)]) == 1
    for volume in (first, second):
        drv.remove_export(None, volume)


def test_ensure_export_restores_targets_after_a_tgtd_restart(driver, tgtd, tmp_path):
    if not tgtd:
        pytest.skip("tgtd was already running before the tests; it is not theirs to restart")
    drv, _ = driver
    volume, payload = _exported_volume(drv)
    iqn = f"iqn.2010-10.org.openstack:volume-{volume.id}"
    _, user, password = volume.provider_auth.split()

    tgtd.crash_and_restart()
    assert iqn not in _tgtadm("--op", "show", "--mode", "target").stdout

    drv.ensure_export(None, volume)  # what cinder-volume does for each volume at start
    code, restored, err = _qemu_read(f"iscsi://{user}%{password}@{PORTAL}/{iqn}/1", MiB, tmp_path)
    assert code == 0, err
    assert restored == payload
    code, _, _ = _qemu_read(f"iscsi://{user}%not-it@{PORTAL}/{iqn}/1", 512, tmp_path)
    assert code != 0
    drv.remove_export(None, volume)


def test_remove_export_leaves_no_target_account_or_record(driver, tmp_path):
    drv, _ = driver
    volume, _ = _exported_volume(drv)
    user = volume.provider_auth.split()[1]
    record = tmp_path / "targets" / f"volume-{volume.id}"
    assert f"incominguser {user} " in record.read_text()
    assert oct(record.stat().st_mode & 0o777) == "0o600"  # it holds the CHAP secret

    drv.remove_export(None, volume)
    assert volume.id not in _tgtadm("--op", "show", "--mode", "target").stdout
    assert user not in _tgtadm("--op", "show", "--mode", "account").stdout
    assert not record.exists()
    drv.remove_export(None, volume)  # removing twice is fine
    drv.delete_volume(volume)
    assert not os.path.exists(drv.local_path(volume))
