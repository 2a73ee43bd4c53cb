"""A small real block storage service for functional tests: cinder-api,
cinder-scheduler and (optionally) cinder-volume with the file driver, each a
subprocess, on RabbitMQ and MariaDB, and the clients users drive it with:
python-cinderclient (``cinder ...``) and python-openstackclient (``openstack volume
...``), both on noauth2 tokens (``user:project``; user ``admin`` is an admin).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from tests.functional.daemons import Daemon, free_port, run_cli, wait_for, write_config

BIN = Path(sys.executable).parent


class CinderCloud:
    def __init__(self, tmp: Path, db_url: str, transport_url: str) -> None:
        self.tmp = tmp
        self.port = free_port()
        self.state = tmp / "state"
        self.volume_dir = self.state / "file-volumes"
        self.conf = write_config(
            tmp / "cinder.conf",
            {
                "DEFAULT": {
                    "transport_url": transport_url,
                    "host": "node1",
                    "state_path": self.state,
                    "auth_strategy": "noauth2",
                    "osapi_volume_listen": "127.0.0.1",
                    "osapi_volume_listen_port": self.port,
                    "osapi_volume_workers": 1,
                    "report_interval": 1,
                    "service_down_time": 10,
                    "rpc_response_timeout": 30,
                    "graceful_shutdown_timeout": 5,
                    "enabled_backends": "file-1",
                    "backend_stats_polling_interval": 3,
                },
                "file-1": {
                    "volume_driver": "file.FileVolumeDriver",
                    "volume_backend_name": "file",
                    "file_volume_dir": self.volume_dir,
                },
                "database": {"connection": db_url},
            },
        )
        self.daemons: dict[str, Daemon] = {}
        self.clouds = self._clouds_yaml()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- daemons ---------------------------------------------------------------------------
    def sync_db(self) -> None:
        result = run_cli("cinder-manage", self.conf, "db", "sync")
        assert result.returncode == 0, result.stderr

    def start(self, name: str) -> Daemon:
        daemon = Daemon(name, self.conf, self.tmp)
        self.daemons[name] = daemon
        return daemon

    def start_controller(self) -> None:
        self.sync_db()
        self.start("cinder-api")
        self.start("cinder-scheduler")
        wait_for(self._api_answers, 60, what="cinder-api")
        wait_for(lambda: "is serving topic" in self.daemons["cinder-scheduler"].log(), 60,
                 what="cinder-scheduler")  # fmt: skip

    def start_volume(self) -> None:
        self.start("cinder-volume")
        wait_for(
            lambda: "Volume" in self.daemons["cinder-scheduler"].log() or self._pools_reported(),
            60,
            what="the file backend's first capability report",
        )

    def _pools_reported(self) -> bool:
        out = self.cinder("get-pools", user="admin", check=False)
        return "node1@file-1#" in out.stdout

    def _api_answers(self) -> bool:
        import requests

        try:
            return requests.get(self.url, timeout=2).status_code == 300
        except requests.RequestException:
            return False

    def stop(self) -> None:
        for daemon in self.daemons.values():
            daemon.stop()

    def logs(self) -> str:
        return "\n".join(f"--- {n}\n{d.log()[-4000:]}" for n, d in self.daemons.items())

    # -- clients ---------------------------------------------------------------------------
    def cinder(
        self, *args: str, user: str = "demo", check: bool = True
    ) -> subprocess.CompletedProcess:
        """``cinder`` with cinderclient's own ``noauth`` plugin (token ``user:user``)."""
        cmd = [
            str(BIN / "cinder"),
            "--os-auth-type", "noauth",
            "--os-user-id", user,
            "--os-project-id", user,
            "--os-endpoint", f"{self.url}/v3/{user}",
            *args,
        ]  # fmt: skip
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=120,
                                stdin=subprocess.DEVNULL)  # fmt: skip
        if check:
            assert result.returncode == 0, f"{cmd}\n{result.stdout}\n{result.stderr}"
        return result

    def cinder_json(self, *args: str, user: str = "demo") -> dict[str, str]:
        """A ``cinder show``-style table as ``{property: value}``."""
        rows: dict[str, str] = {}
        for line in self.cinder(*args, user=user).stdout.splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) == 2 and cells[0] not in ("Property", ""):
                rows[cells[0]] = cells[1]
        return rows

    def _clouds_yaml(self) -> Path:
        clouds = {}
        for name, user in (("novella", "demo"), ("novella-admin", "admin")):
            endpoint = f"{self.url}/v3/{user}"
            clouds[name] = {
                "auth_type": "admin_token",
                "auth": {"endpoint": endpoint, "token": f"{user}:{user}"},
                "volume_endpoint_override": endpoint,
                "block_storage_endpoint_override": endpoint,
                "volume_api_version": "3",
                "block_storage_api_version": "3",
                # openstackclient builds an identity client it never uses here; a
                # version document on the same server keeps it from asking Keystone.
                "identity_endpoint_override": f"{self.url}/",
                "identity_api_version": "3",
            }
        path = self.tmp / "clouds.yaml"
        path.write_text(yaml.safe_dump({"clouds": clouds}))
        return path

    def openstack(self, *args: str, cloud: str = "novella", check: bool = True) -> Any:
        """``openstack ... -f json`` parsed (or the completed process when not checked)."""
        env = {**os.environ, "OS_CLIENT_CONFIG_FILE": str(self.clouds)}
        cmd = [str(BIN / "openstack"), "--os-cloud", cloud, *args]
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=180, env=env,
                                stdin=subprocess.DEVNULL)  # fmt: skip
        if not check:
            return result
        assert result.returncode == 0, f"{cmd}\n{result.stdout}\n{result.stderr}"
        return json.loads(result.stdout) if "-f" in args and result.stdout.strip() else None

    # -- waiting ---------------------------------------------------------------------------
    def wait_volume(self, volume_id: str, status: str, timeout: float = 60) -> dict[str, str]:
        def reached() -> dict[str, str] | None:
            shown = self.cinder_json("show", volume_id)
            assert shown.get("status") not in ("error",) or status == "error", self.logs()
            return shown if shown.get("status") == status else None

        return wait_for(reached, timeout, what=f"volume {volume_id} {status}")

    def wait_gone(self, kind: str, item_id: str, timeout: float = 60) -> None:
        def gone() -> bool:
            return (
                self.cinder(f"{kind}show" if kind else "show", item_id, check=False).returncode != 0
            )

        wait_for(gone, timeout, what=f"{kind or 'volume'} {item_id} deleted")
