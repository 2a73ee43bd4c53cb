"""common.processutils: the allow-list, no shell, exit codes, retries, timeouts, masking."""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import time
from pathlib import Path

import pytest

from common import processutils

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def filters(tmp_path):
    """An allow-list of our own: echo, true, false, sh (for test scripts) and a strict cat."""
    directory = tmp_path / "rootwrap.d"
    directory.mkdir()
    (directory / "test.filters").write_text(
        "[Filters]\n"
        "echo: CommandFilter, /bin/echo, root\n"
        "sh: CommandFilter, /bin/sh, root\n"
        "cat: RegExpFilter, cat, root, cat, /etc/host[a-z]+\n"
        "broken: NoSuchFilter, whatever, root\n"
    )
    processutils.set_filter_dirs([str(directory)])
    yield directory
    processutils.set_filter_dirs(None)


def test_root_command_outside_the_allow_list_is_refused_and_never_run(filters, tmp_path):
    marker = tmp_path / "ran"
    with pytest.raises(processutils.CommandNotAllowed) as info:
        processutils.execute("touch", str(marker), run_as_root=True)
    assert "touch" in str(info.value)
    assert not marker.exists()


def test_regexp_filter_checks_every_argument_and_their_number(filters):
    out, _ = processutils.execute("cat", "/etc/hostname", run_as_root=True)
    assert out.strip() == Path("/etc/hostname").read_text().strip()
    for argv in (("cat", "/etc/shadow"), ("cat", "/etc/hostname", "/etc/shadow"), ("cat",)):
        with pytest.raises(processutils.CommandNotAllowed):
            processutils.execute(*argv, run_as_root=True)


def test_the_filter_chooses_the_executable_not_path(filters, tmp_path, monkeypatch):
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    impostor = fake_bin / "echo"
    impostor.write_text("#!/bin/sh\necho impostor\n")
    impostor.chmod(impostor.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{fake_bin}:{os.environ['PATH']}")
    out, _ = processutils.execute("echo", "real", run_as_root=True)
    assert out == "real\n"


def test_arguments_reach_the_program_literally_without_a_shell(tmp_path):
    marker = tmp_path / "pwned"
    out, _ = processutils.execute("echo", f"$(touch {marker}); `id` | ls *")
    assert out == f"$(touch {marker}); `id` | ls *\n"
    assert not marker.exists()
    with pytest.raises(ValueError):
        processutils.execute("echo", "a\x00b")


def test_failure_carries_exit_code_stdout_and_stderr():
    with pytest.raises(processutils.ProcessExecutionError) as info:
        processutils.execute("sh", "-c", "echo out; echo err >&2; exit 3")
    assert info.value.exit_code == 3
    assert info.value.stdout == "out\n"
    assert info.value.stderr == "err\n"
    assert "Exit code: 3" in str(info.value)


def test_accepted_exit_codes():
    out, _ = processutils.execute("sh", "-c", "echo x; exit 2", check_exit_code=[0, 2])
    assert out == "x\n"
    processutils.execute("false", check_exit_code=False)
    with pytest.raises(processutils.ProcessExecutionError):
        processutils.execute("false", check_exit_code=[0, 2])


def test_retries_only_on_the_given_exit_codes(tmp_path):
    counter = tmp_path / "count"
    script = (
        f"n=$(cat {counter} 2>/dev/null || echo 0); n=$((n+1)); echo $n > {counter}; "
        '[ "$n" -ge 3 ] && echo done && exit 0; exit 5'
    )
    out, _ = processutils.execute(
        "sh", "-c", script, attempts=3, retry_on_exit_codes=[5], delay_on_retry=0
    )
    assert out == "done\n" and counter.read_text().strip() == "3"

    counter.unlink()
    with pytest.raises(processutils.ProcessExecutionError) as info:
        processutils.execute(
            "sh", "-c", script, attempts=3, retry_on_exit_codes=[6], delay_on_retry=0
        )
    assert info.value.exit_code == 5 and counter.read_text().strip() == "1"


def test_timeout_kills_the_command():
    started = time.monotonic()
    with pytest.raises(processutils.ProcessTimedOut) as info:
        processutils.execute("sleep", "5", timeout=0.3)
    assert time.monotonic() - started < 3
    assert isinstance(info.value, processutils.ProcessExecutionError)


def test_chap_passwords_are_masked_in_logs_and_errors(caplog):
    caplog.set_level(logging.DEBUG, logger="common.processutils")
    with pytest.raises(processutils.ProcessExecutionError) as info:
        processutils.execute(
            "sh", "-c", 'echo "incominguser u1 S3cretPw" >&2; exit 1', "--password", "S3cretPw"
        )
    assert "S3cretPw" not in str(info.value)
    assert "S3cretPw" not in info.value.stderr
    assert "S3cretPw" not in caplog.text
    assert "--password ***" in caplog.text


def test_named_secrets_and_iscsi_urls_are_masked(caplog):
    caplog.set_level(logging.DEBUG, logger="common.processutils")
    url = "iscsi://user%UrlSecret9@127.0.0.1/iqn.2010-10.org.openstack:volume-x/1"
    with pytest.raises(processutils.ProcessExecutionError) as info:
        processutils.execute(
            "sh", "-c", 'echo "{\\"password\\": \\"JsonPw\\"} Other1" >&2; exit 1', url,
            secrets=["Other1"],
        )  # fmt: skip
    for secret in ("UrlSecret9", "JsonPw", "Other1"):
        assert secret not in str(info.value)
        assert secret not in caplog.text
    assert processutils.mask_password("CHAP abc def") == "CHAP abc ***"


def test_without_root_privileged_commands_go_through_sudo(filters, monkeypatch):
    seen = {}

    def fake_run(argv, **kwargs):
        seen["argv"] = argv
        return subprocess.CompletedProcess(argv, 0, b"", b"")

    monkeypatch.setattr(processutils, "_is_root", lambda: False)
    monkeypatch.setattr(processutils.subprocess, "run", fake_run)
    processutils.execute("echo", "hi", run_as_root=True, env_variables={"LC_ALL": "C"})
    assert seen["argv"] == ["sudo", "-n", "env", "LC_ALL=C", "/bin/echo", "hi"]
    processutils.execute("echo", "hi")
    assert seen["argv"] == ["echo", "hi"]


def test_cinder_volume_filters_allow_the_drivers_commands_only():
    allow = processutils.AllowList([str(REPO / "etc" / "cinder" / "rootwrap.d")])
    names = {f.name for f in allow.filters}
    assert {"lvcreate", "lvextend", "lvremove", "lvs", "vgs", "tgtadm", "qemu-img"} <= names
    assert allow.match(["dd", "if=/dev/zero", "of=/dev/vg/lv", "bs=1M", "count=4",
                        "oflag=direct"])  # fmt: skip
    for argv in (["rm", "-rf", "/"], ["sh", "-c", "id"], ["dd", "if=/etc/shadow", "of=/tmp/x"]):
        with pytest.raises(processutils.CommandNotAllowed):
            allow.match(argv)
