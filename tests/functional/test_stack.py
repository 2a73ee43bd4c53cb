"""devstack-like/stack.sh brings up a cloud that the README's openstack command boots a
server on, restarts it when run again; unstack.sh stops it. Both modes: the embedded
default (nova-all on SQLite + memory://) and services (a process per daemon on RabbitMQ).

Runs the real scripts with a private state directory, config directory, clouds.yaml, API
ports, RabbitMQ vhost and host name, so it neither touches /etc or the user's clouds.yaml
nor meets other tests' daemons.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.functional.daemons import free_port

REPO = Path(__file__).resolve().parents[2]
STACK = REPO / "devstack-like" / "stack.sh"
UNSTACK = REPO / "devstack-like" / "unstack.sh"
SERVICES_DAEMONS = [
    "nova-conductor",
    "nova-scheduler",
    "nova-compute",
    "nova-api",
    "cinder-scheduler",
    "cinder-volume",
    "cinder-api",
]
# The README's command, word for word.
README_BOOT = (
    "openstack --os-cloud novella server create --flavor m1.tiny --image novella-tiny --wait demo"
)


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


def base_env(tmp_path: Path) -> dict[str, str]:
    """The environment of a user with none of stack.sh's settings, plus isolation."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("NOVELLA_")}
    env.update(
        {
            "NOVELLA_VENV": sys.prefix,
            "NOVELLA_STATE_DIR": str(tmp_path / "state"),
            "NOVELLA_CONF_DIR": str(tmp_path / "etc"),
            "NOVELLA_CLOUDS_YAML": str(tmp_path / "clouds.yaml"),
            "NOVELLA_HOST": f"stack-{uuid.uuid4().hex[:8]}",
            "NOVELLA_COMPUTE_API_PORT": str(free_port()),
            "NOVELLA_VOLUME_API_PORT": str(free_port()),
            "NOVELLA_REPORT_INTERVAL": "2",
        }
    )
    return env


@pytest.fixture
def default_env(tmp_path: Path):
    env = base_env(tmp_path)
    yield env
    run(UNSTACK, env)


@pytest.fixture
def services_env(tmp_path: Path, rabbit_vhost_url: str):
    env = {
        **base_env(tmp_path),
        "NOVELLA_MODE": "services",
        "NOVELLA_TRANSPORT_URL": rabbit_vhost_url,
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


def openstack(env: dict[str, str], command: str) -> str:
    """Run an ``openstack ...`` command line as a user would after stack.sh."""
    argv = command.split()
    assert argv[0] == "openstack"
    exe = shutil.which("openstack") or str(Path(sys.executable).parent / "openstack")
    result = subprocess.run(
        [exe, *argv[1:]],
        env={**env, "OS_CLIENT_CONFIG_FILE": env["NOVELLA_CLOUDS_YAML"]},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def field(table: str, name: str) -> str:
    """A value of openstackclient's two-column table output."""
    match = re.search(rf"^\|\s*{re.escape(name)}\s*\|\s*(.*?)\s*\|$", table, re.MULTILINE)
    assert match, f"no field {name} in:\n{table}"
    return match.group(1)


def test_readme_server_create_after_default_stack(default_env: dict[str, str]) -> None:
    readme = (REPO / "README.md").read_text()
    assert README_BOOT in readme

    first = run(STACK, default_env)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "Novella is running" in first.stdout
    started = pids(default_env)
    assert list(started) == ["nova-all"]
    assert alive(started["nova-all"])

    # The embedded default: no broker, an SQLite file under the state directory.
    nova_conf = (Path(default_env["NOVELLA_CONF_DIR"]) / "nova" / "nova.conf").read_text()
    assert "transport_url = memory://" in nova_conf
    assert (Path(default_env["NOVELLA_STATE_DIR"]) / "nova.sqlite").exists()
    host = default_env["NOVELLA_HOST"]
    nova = [line for line in service_list(default_env, "nova").splitlines() if host in line]
    assert sorted(line.split("|")[1].strip() for line in nova) == [
        "nova-compute",
        "nova-conductor",
        "nova-scheduler",
    ]

    created = openstack(default_env, README_BOOT)
    assert field(created, "status") == "ACTIVE", created
    assert field(created, "name") == "demo"

    second = run(STACK, default_env)
    assert second.returncode == 0, second.stdout + second.stderr
    restarted = pids(default_env)
    assert list(restarted) == ["nova-all"]
    assert not alive(started["nova-all"]), "the old nova-all survived a restart"
    listed = openstack(default_env, "openstack --os-cloud novella server list -f value -c Status")
    assert listed.split() == ["ACTIVE"], "the server did not survive a restart"

    stopped = run(UNSTACK, default_env)
    assert stopped.returncode == 0, stopped.stdout + stopped.stderr
    assert not alive(restarted["nova-all"])
    assert pids(default_env) == {}


def test_services_mode_runs_each_daemon_on_rabbitmq(services_env: dict[str, str]) -> None:
    first = run(STACK, services_env)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "Novella is running" in first.stdout
    started = pids(services_env)
    assert sorted(started) == sorted(SERVICES_DAEMONS)
    assert all(alive(pid) for pid in started.values())

    host = services_env["NOVELLA_HOST"]
    nova = [line for line in service_list(services_env, "nova").splitlines() if host in line]
    assert sorted(line.split("|")[1].strip() for line in nova) == [
        "nova-compute",
        "nova-conductor",
        "nova-scheduler",
    ]
    cinder = [line for line in service_list(services_env, "cinder").splitlines() if host in line]
    assert sorted(line.split()[0] for line in cinder) == ["cinder-scheduler", "cinder-volume"]

    # nova-compute gets a configuration without any database connection.
    cpu_conf = (Path(services_env["NOVELLA_CONF_DIR"]) / "nova" / "nova-cpu.conf").read_text()
    assert "[database]" not in cpu_conf

    created = openstack(services_env, README_BOOT)
    assert field(created, "status") == "ACTIVE", created

    second = run(STACK, services_env)
    assert second.returncode == 0, second.stdout + second.stderr
    restarted = pids(services_env)
    assert sorted(restarted) == sorted(SERVICES_DAEMONS)
    assert not any(alive(pid) for pid in started.values()), "old daemons survived a restart"
    assert all(alive(pid) for pid in restarted.values())

    stopped = run(UNSTACK, services_env)
    assert stopped.returncode == 0, stopped.stdout + stopped.stderr
    assert not any(alive(pid) for pid in restarted.values())
    assert pids(services_env) == {}
