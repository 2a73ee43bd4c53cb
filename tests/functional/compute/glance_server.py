"""A real Glance (from PyPI) on 127.0.0.1 for tests of the glance image client.

Glance pulls in most of oslo and pins versions of its own, so it does not go into the
project's venv: :func:`ensure_glance` installs it once into a venv of its own under
/tmp (``NOVELLA_GLANCE_VENV`` to choose another place), reused by later runs, with a
lock so parallel runs install it once.  When it cannot be installed the test fails
with pip's message: a test that needs Glance never passes without one.

:class:`GlanceServer` runs glance-api as Glance runs under any WSGI server
(``glance.wsgi.api:application``, here waitress) on SQLite and a file store, without
Keystone (the unauthenticated paste flavor, every caller an admin).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

GLANCE_VERSION = os.environ.get("NOVELLA_GLANCE_VERSION", "33.0.0")
VENV = Path(
    os.environ.get(
        "NOVELLA_GLANCE_VENV",
        f"/tmp/novella-glance-{GLANCE_VERSION}-py{sys.version_info[0]}{sys.version_info[1]}",
    )
)
INSTALL_TIMEOUT = 540

# Without Keystone every request is an admin context with no roles; these rules
# check roles, so the test's policy file opens them.
_POLICY = """\
"context_is_admin": ""
"publicize_image": ""
"communitize_image": ""
"""


def _installed() -> bool:
    return (VENV / ".installed").exists() and (VENV / "bin" / "waitress-serve").exists()


def ensure_glance() -> tuple[Path, float]:
    """The Glance venv, installing it if needed; (venv, seconds spent installing)."""
    VENV.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{VENV}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _installed():
            return VENV, 0.0
        started = time.monotonic()
        shutil.rmtree(VENV, ignore_errors=True)
        steps = [
            [sys.executable, "-m", "venv", str(VENV)],
            [
                str(VENV / "bin" / "pip"),
                "install",
                "--quiet",
                "--disable-pip-version-check",
                f"glance=={GLANCE_VERSION}",
                "waitress",
            ],
        ]
        for step in steps:
            try:
                result = subprocess.run(
                    step, capture_output=True, text=True, timeout=INSTALL_TIMEOUT
                )
            except subprocess.TimeoutExpired:
                pytest.fail(f"installing glance {GLANCE_VERSION} took over {INSTALL_TIMEOUT}s")
            if result.returncode != 0:
                pytest.fail(
                    f"could not install glance {GLANCE_VERSION} into {VENV} "
                    f"({' '.join(step[:3])}): {result.stderr[-2000:]}"
                )
        elapsed = time.monotonic() - started
        (VENV / ".installed").write_text(f"glance {GLANCE_VERSION} installed in {elapsed:.1f}s\n")
        return VENV, elapsed


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class GlanceServer:
    """glance-api on 127.0.0.1:<free port> with its state in ``workdir``."""

    def __init__(self, workdir: Path) -> None:
        self.venv, self.install_seconds = ensure_glance()
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.etc = workdir / "etc"
        self.log_path = workdir / "glance-api.log"
        self.proc: subprocess.Popen | None = None
        self.start_seconds = 0.0

    def _configure(self) -> Path:
        self.etc.mkdir(parents=True, exist_ok=True)
        paste = self.venv / "etc" / "glance" / "glance-api-paste.ini"
        shutil.copy(paste, self.etc / "glance-api-paste.ini")
        (self.etc / "policy.yaml").write_text(_POLICY)
        work = self.workdir
        conf = self.etc / "glance-api.conf"
        conf.write_text(
            f"""[DEFAULT]
enabled_backends = fs:file
worker_self_reference_url = {self.url}
[glance_store]
default_backend = fs
[fs]
filesystem_store_datadir = {work}/images
[os_glance_staging_store]
filesystem_store_datadir = {work}/staging
[os_glance_tasks_store]
filesystem_store_datadir = {work}/tasks
[database]
connection = sqlite:///{work}/glance.sqlite
[paste_deploy]
flavor =
config_file = {self.etc}/glance-api-paste.ini
[oslo_policy]
enforce_new_defaults = False
enforce_scope = False
policy_file = {self.etc}/policy.yaml
"""
        )
        return conf

    def start(self, timeout: float = 90) -> None:
        started = time.monotonic()
        conf = self._configure()
        sync = subprocess.run(
            [str(self.venv / "bin" / "glance-manage"), "--config-file", str(conf), "db_sync"],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if sync.returncode != 0:
            pytest.fail(f"glance-manage db_sync failed: {sync.stderr[-2000:]}")
        log = open(self.log_path, "wb")  # noqa: SIM115 (the child owns it)
        self.proc = subprocess.Popen(
            [
                str(self.venv / "bin" / "waitress-serve"),
                f"--listen=127.0.0.1:{self.port}",
                "glance.wsgi.api:application",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "OS_GLANCE_CONFIG_DIR": str(self.etc)},
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"glance-api exited with {self.proc.returncode}:\n{self.log()}")
            try:
                if requests.get(self.url + "/v2/images", timeout=2).status_code == 200:
                    self.start_seconds = time.monotonic() - started
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        self.stop()
        pytest.fail(f"glance-api did not answer within {timeout}s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
