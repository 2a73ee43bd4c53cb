"""devstack-like/stack.sh brings up a cloud, restarts it when run again; unstack.sh stops it.

Runs the real scripts with a private state directory, config directory, RabbitMQ vhost and
host name, so it neither touches /etc nor meets other tests' daemons. The API daemons are
left out: they listen on the fixed ports 8774/8776, which a developer's own cloud may hold.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
STACK = REPO / "devstack-like" / "stack.sh"
UNSTACK = REPO / "devstack-like" / "unstack.sh"
DAEMONS = ["nova-conductor", "nova-scheduler", "nova-compute", "cinder-scheduler", "cinder-volume"]


def run(script: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(script)],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes() != b""
    except FileNotFoundError:
        return False


@pytest.fixture
def stack_env(tmp_path: Path, rabbit_vhost_url: str):
    env = {
        **os.environ,
        "NOVELLA_VENV": sys.prefix,
        "NOVELLA_STATE_DIR": str(tmp_path / "state"),
        "NOVELLA_CONF_DIR": str(tmp_path / "etc"),
        "NOVELLA_TRANSPORT_URL": rabbit_vhost_url,
        "NOVELLA_HOST": f"stack-{uuid.uuid4().hex[:8]}",
        "NOVELLA_DAEMONS": " ".join(DAEMONS),
        "NOVELLA_REPORT_INTERVAL": "2",
    }
    yield env
    run(UNSTACK, env)


def pids(env: dict[str, str]) -> dict[str, int]:
    run_dir = Path(env["NOVELLA_STATE_DIR"]) / "run"
    return {path.stem: int(path.read_text()) for path in run_dir.glob("*.pid")}


def service_list(env: dict[str, str], project: str) -> str:
    result = subprocess.run(
        [
            sys.executable,
            str(REPO / "bin" / f"{project}-manage"),
            "--config-file",
            str(Path(env["NOVELLA_CONF_DIR"]) / project / f"{project}.conf"),
            "service",
            "list",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout


def test_stack_starts_a_cloud_restarts_it_and_unstack_stops_it(stack_env: dict[str, str]) -> None:
    first = run(STACK, stack_env)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "Novella is running" in first.stdout
    started = pids(stack_env)
    assert sorted(started) == sorted(DAEMONS)
    assert all(alive(pid) for pid in started.values())

    host = stack_env["NOVELLA_HOST"]
    nova = [line for line in service_list(stack_env, "nova").splitlines() if host in line]
    assert sorted(line.split("|")[1].strip() for line in nova) == [
        "nova-compute",
        "nova-conductor",
        "nova-scheduler",
    ]
    cinder = [line for line in service_list(stack_env, "cinder").splitlines() if host in line]
    assert sorted(line.split()[0] for line in cinder) == ["cinder-scheduler", "cinder-volume"]

    # nova-compute gets a configuration without any database connection.
    cpu_conf = (Path(stack_env["NOVELLA_CONF_DIR"]) / "nova" / "nova-cpu.conf").read_text()
    assert "[database]" not in cpu_conf

    second = run(STACK, stack_env)
    assert second.returncode == 0, second.stdout + second.stderr
    restarted = pids(stack_env)
    assert sorted(restarted) == sorted(DAEMONS)
    assert not any(alive(pid) for pid in started.values()), "old daemons survived a restart"
    assert all(alive(pid) for pid in restarted.values())

    stopped = run(UNSTACK, stack_env)
    assert stopped.returncode == 0, stopped.stdout + stopped.stderr
    assert not any(alive(pid) for pid in restarted.values())
    assert pids(stack_env) == {}
