"""One small real cloud for functional tests: nova-api, nova-conductor, nova-scheduler
and two nova-compute processes (fake driver) on RabbitMQ and a real database, plus the
clients that drive it (python-openstackclient, openstacksdk, raw HTTP).

``Cloud`` takes extra options per config file, so a test module can make spawns slow or
failing on one host; ``running_cloud`` gives a module its own database and RabbitMQ
vhost, so a whole module shares one cloud.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
import yaml

from tests.conftest import RABBIT_URL, _create_database, _drop_database, _rabbitmqctl
from tests.functional.daemons import (
    Daemon,
    clouds_yaml,
    free_port,
    run_cli,
    wait_for,
    write_config,
)

COMPUTE_HOSTS = ("compute1", "compute2")
# Every cloud also has this image, whose spawns fail where ``fail_spawn_image_ids`` says.
BROKEN_IMAGE_ID = "5e1f0b3a-0000-4000-8000-00000000bad1"

Sections = Mapping[str, Mapping[str, Any]]


def _merge(base: dict[str, dict[str, Any]], extra: Sections | None) -> dict[str, dict[str, Any]]:
    merged = {section: dict(values) for section, values in base.items()}
    for section, values in (extra or {}).items():
        merged.setdefault(section, {}).update(values)
    return merged


class Cloud:
    """The daemons of one small cloud and the clients that drive it.

    ``controller_conf`` is merged into nova.conf (api, conductor, scheduler);
    ``compute_conf`` into every compute host's file and ``host_conf[host]`` into one.
    """

    def __init__(
        self,
        tmp_path: Path,
        db_url: str,
        transport_url: str,
        controller_conf: Sections | None = None,
        compute_conf: Sections | None = None,
        host_conf: Mapping[str, Sections] | None = None,
    ) -> None:
        self.tmp = tmp_path
        self.port = free_port()
        state = tmp_path / "state"
        common = {
            "transport_url": transport_url,
            "report_interval": 1,
            "service_down_time": 10,
            "rpc_response_timeout": 30,
            "graceful_shutdown_timeout": 5,
        }
        self.conf = write_config(
            tmp_path / "nova.conf",
            _merge(
                {
                    "DEFAULT": {
                        **common,
                        "host": "controller",
                        "state_path": state,
                        "osapi_compute_listen": "127.0.0.1",
                        "osapi_compute_listen_port": self.port,
                        "osapi_compute_workers": 2,
                    },
                    "api": {"auth_strategy": "noauth2"},
                    "database": {"connection": db_url},
                    "image": {"local_store_path": state / "images"},
                },
                controller_conf,
            ),
        )
        self.compute_confs = {}
        for host in COMPUTE_HOSTS:
            sections = _merge(
                {
                    "DEFAULT": {
                        **common,
                        "host": host,
                        "state_path": tmp_path / host,
                        "compute_driver": "fake.FakeDriver",
                    },
                    "fake_driver": {"spawn_delay": 0.5, "memory_mb": 8192, "vcpus": 8},
                },
                compute_conf,
            )
            sections = _merge(sections, (host_conf or {}).get(host))
            self.compute_confs[host] = write_config(tmp_path / f"{host}.conf", sections)
        self.clouds = clouds_yaml(tmp_path / "clouds.yaml", self.port)
        self._add_alt_cloud()
        self.daemons: list[Daemon] = []
        self.computes: dict[str, Daemon] = {}

    def _add_alt_cloud(self) -> None:
        """``novella-alt``: user ``alt`` in project ``alt``, the other tenant."""
        document = yaml.safe_load(self.clouds.read_text())
        alt = json.loads(json.dumps(document["clouds"]["novella"]))
        alt["auth"]["token"] = "alt:alt"
        document["clouds"]["novella-alt"] = alt
        self.clouds.write_text(yaml.safe_dump(document, sort_keys=False))

    # -- life cycle --------------------------------------------------------------------
    def start(self) -> None:
        assert run_cli("nova-manage", self.conf, "db", "sync").returncode == 0
        image = self.tmp / "tiny.img"
        image.write_bytes(b"\0" * 1024 * 1024)
        for name, extra in (("novella-tiny", ()), ("novella-broken", ("--id", BROKEN_IMAGE_ID))):
            imported = run_cli(
                "nova-manage",
                self.conf,
                "image",
                "import",
                str(image),
                "--name",
                name,
                "--disk-format",
                "raw",
                "--public",
                *extra,
            )
            assert imported.returncode == 0, imported.stderr
        for name in ("nova-conductor", "nova-scheduler", "nova-api"):
            self.daemons.append(Daemon(name, self.conf, self.tmp))
        for host, conf in self.compute_confs.items():
            self.computes[host] = Daemon("nova-compute", conf, self.tmp)
            self.daemons.append(self.computes[host])
        wait_for(self._all_up, timeout=60, what="all services up")
        wait_for(self._hypervisors_reported, timeout=30, what="both hypervisors reported")

    def _hypervisors_reported(self) -> bool:
        try:
            return len(self.hypervisors()) == len(COMPUTE_HOSTS)
        except requests.ConnectionError:
            return False

    def _all_up(self) -> bool:
        result = run_cli("nova-manage", self.conf, "service", "list")
        ups = [line for line in result.stdout.splitlines() if "| up " in line]
        return len(ups) == 2 + len(COMPUTE_HOSTS)

    def stop(self) -> None:
        for daemon in reversed(self.daemons):
            daemon.stop()

    def restart_compute(self, host: str) -> None:
        """SIGTERM one nova-compute and start it again on the same config and state."""
        old = self.computes[host]
        old.stop()
        self.computes[host] = Daemon("nova-compute", self.compute_confs[host], self.tmp)
        self.daemons[self.daemons.index(old)] = self.computes[host]

    def logs(self) -> str:
        return "\n".join(f"==== {d.name}\n{d.log()[-4000:]}" for d in self.daemons)

    # -- clients -----------------------------------------------------------------------
    def openstack(
        self, *args: str, cloud: str = "novella", check: bool = True, timeout: float = 90
    ) -> str:
        env = {**os.environ, "OS_CLIENT_CONFIG_FILE": str(self.clouds)}
        exe = shutil.which("openstack") or str(Path(sys.executable).parent / "openstack")
        result = subprocess.run(
            [exe, "--os-cloud", cloud, *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"openstack {' '.join(args)} failed:\n{result.stderr}\n{self.logs()}"
            )
        return result.stdout

    def openstack_result(self, *args: str, cloud: str = "novella") -> subprocess.CompletedProcess:
        """Run ``openstack`` and return the finished process, whatever its exit status."""
        env = {**os.environ, "OS_CLIENT_CONFIG_FILE": str(self.clouds)}
        exe = shutil.which("openstack") or str(Path(sys.executable).parent / "openstack")
        return subprocess.run(
            [exe, "--os-cloud", cloud, *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=90,
            stdin=subprocess.DEVNULL,
        )

    def openstack_json(self, *args: str, cloud: str = "novella") -> Any:
        return json.loads(self.openstack(*args, "-f", "json", cloud=cloud))

    def sdk(self, cloud: str = "novella"):
        import openstack

        os.environ["OS_CLIENT_CONFIG_FILE"] = str(self.clouds)
        return openstack.connect(cloud=cloud)

    @property
    def compute_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v2.1"

    def api(
        self,
        method: str,
        path: str,
        token: str = "demo:demo",
        microversion: str | None = None,
        session: requests.Session | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        """One raw Compute API request as ``token`` (noauth2 ``user:project``)."""
        headers = {"X-Auth-Token": token, **kwargs.pop("headers", {})}
        if microversion:
            headers["OpenStack-API-Version"] = f"compute {microversion}"
        return (session or requests).request(
            method, self.compute_url + path, headers=headers, timeout=60, **kwargs
        )

    def admin(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.api(method, path, token="admin:admin", **kwargs)

    def server(self, server_id: str, token: str = "admin:admin") -> dict | None:
        """The server as ``token`` sees it, or None once it is gone (404)."""
        response = self.api("GET", f"/servers/{server_id}", token=token)
        if response.status_code == 404:
            return None
        assert response.status_code == 200, response.text
        return response.json()["server"]

    def wait_status(self, server_id: str, *statuses: str, timeout: float = 60) -> dict:
        def reached() -> dict | None:
            server = self.server(server_id)
            return server if server and server["status"] in statuses else None

        return wait_for(reached, timeout=timeout, what=f"{server_id} in {statuses}")

    def wait_gone(self, server_id: str, timeout: float = 60) -> None:
        wait_for(lambda: self.server(server_id) is None, timeout=timeout, what=f"{server_id} gone")

    def hypervisors(self) -> dict[str, dict]:
        """``os-hypervisors/detail`` as admin, by hypervisor hostname."""
        response = self.admin("GET", "/os-hypervisors/detail")
        assert response.status_code == 200, response.text
        return {h["hypervisor_hostname"]: h for h in response.json()["hypervisors"]}

    def guests(self, host: str) -> list[str]:
        """Uuids of the guests the host's fake hypervisor keeps in its state file."""
        path = self.tmp / host / f"fake-guests.{host}.json"
        if not path.exists():
            return []
        return [g["uuid"] for g in json.loads(path.read_text()).get("guests", [])]


@contextmanager
def running_cloud(
    tmp_path: Path,
    db_kind: str = "mysql",
    controller_conf: Sections | None = None,
    compute_conf: Sections | None = None,
    host_conf: Mapping[str, Sections] | None = None,
) -> Iterator[Cloud]:
    """A started ``Cloud`` on a database and a RabbitMQ vhost of its own (both removed
    afterwards): for module-scoped fixtures, which cannot use the function-scoped
    ``fresh_database`` and ``rabbit_vhost_url``.

    Services count as down after 60 s without a heartbeat (unless ``controller_conf``
    says otherwise), so a broker restart by a test running next to this one does not
    make the scheduler refuse every host.
    """
    controller_conf = _merge({"DEFAULT": {"service_down_time": 60}}, controller_conf)
    name = f"novella_test_{uuid.uuid4().hex[:12]}"
    db_url = _create_database(db_kind, name, tmp_path)
    vhost = f"novella-test-{uuid.uuid4().hex[:10]}"
    _rabbitmqctl("add_vhost", vhost)
    _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    cloud = Cloud(
        tmp_path,
        db_url,
        f"{RABBIT_URL.rstrip('/')}/{vhost}",
        controller_conf=controller_conf,
        compute_conf=compute_conf,
        host_conf=host_conf,
    )
    try:
        cloud.start()
        yield cloud
    finally:
        cloud.stop()
        _rabbitmqctl("delete_vhost", vhost)
        _drop_database(db_kind, name)
