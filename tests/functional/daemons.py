"""Run Novella's installed daemons as real subprocesses for functional tests."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BIN_DIR = Path(sys.executable).parent


def script(name: str) -> str:
    """Path of an installed console script (nova-conductor, nova-manage, ...)."""
    path = BIN_DIR / name
    if path.exists():
        return str(path)
    found = shutil.which(name)
    if not found:
        raise FileNotFoundError(f"{name} is not installed; run pip install -e .")
    return found


def write_config(path: Path, sections: dict[str, dict[str, Any]]) -> Path:
    lines: list[str] = []
    for section, values in sections.items():
        lines.append(f"[{section}]")
        lines.extend(f"{key} = {value}" for key, value in values.items())
        lines.append("")
    path.write_text("\n".join(lines))
    return path


class Daemon:
    """One daemon process with its log file; stopped with SIGTERM at teardown."""

    def __init__(
        self, name: str, config: Path, log_dir: Path, *extra: str, env: dict[str, str] | None = None
    ) -> None:
        self.name = name
        self.log_path = log_dir / f"{name}-{int(time.time() * 1000)}.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(
            [script(name), "--config-file", str(config), *extra],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def terminate(self, timeout: float = 10.0) -> tuple[int, float]:
        """SIGTERM; return (exit code, seconds it took to exit)."""
        started = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=timeout)
        return code, time.monotonic() - started

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


def wait_for(
    predicate: Callable[[], Any], timeout: float, interval: float = 0.5, what: str = "condition"
) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}; last: {last!r}")


def run_cli(
    name: str, config: Path, *args: str, timeout: float = 120
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [script(name), "--config-file", str(config), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def free_port() -> int:
    """A TCP port nothing listens on right now (for daemons started with a fixed port)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clouds_yaml(path: Path, api_port: int) -> Path:
    """The clouds.yaml stack.sh writes (clouds ``novella`` and ``novella-admin``, noauth2
    tokens), for an API on ``api_port``: the tests use the operator's own file."""
    repo = Path(__file__).resolve().parents[2]
    base = f"http://127.0.0.1:{api_port}"
    subprocess.run(
        [
            sys.executable,
            str(repo / "devstack-like/lib/clouds_yaml.py"),
            "--compute-url",
            f"{base}/v2.1",
            "--image-url",
            f"{base}/image",
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return path
