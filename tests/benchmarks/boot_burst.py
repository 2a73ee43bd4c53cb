"""Boot a burst of servers through the Compute API and time it.

    .venv/bin/python tests/benchmarks/boot_burst.py [--servers 200] [--computes 10]
        [--db mysql|postgresql|sqlite] [--concurrency 20] [--spawn-delay 0]

Starts a cloud the way tests/functional/daemons.py does: nova-api, nova-conductor,
nova-scheduler and ``--computes`` nova-compute processes (hosts bench-compute1..M, fake
driver), on a fresh RabbitMQ vhost and a fresh database (MariaDB by default), with the
demo project's quotas raised to unlimited. Then ``--concurrency`` client threads POST
``--servers`` single-server boot requests (as the demo project, noauth2), and a poller
watches ``GET /servers/detail?changes-since=...`` for them to turn ACTIVE.

Prints servers/s (servers / seconds from the first POST to the last ACTIVE), the POST
latencies, p50/p95/max time-to-ACTIVE (from the moment a POST was sent to the first poll
that saw the server ACTIVE; the poll interval bounds the resolution) and how the servers
spread over the hosts. Everything is torn down afterwards.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.functional.daemons import (  # noqa: E402
    Daemon,
    free_port,
    run_cli,
    wait_for,
    write_config,
)

RABBIT = "rabbit://guest:guest@127.0.0.1:5672"
DB_ADMIN = {
    "mysql": "mysql+pymysql://root@127.0.0.1:3306",
    "postgresql": "postgresql://postgres@127.0.0.1:5432",
}
POLL_INTERVAL = 0.2


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def rabbitmqctl(*args: str) -> None:
    """Run rabbitmqctl, waiting up to a minute for a broker that is restarting."""
    deadline = time.monotonic() + 60
    while True:
        result = subprocess.run(["rabbitmqctl", "-q", *args], capture_output=True, timeout=60)
        if result.returncode == 0:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"rabbitmqctl {' '.join(args)}: {result.stderr.decode()}")
        time.sleep(2)


class BenchCloud:
    """The daemons of a benchmark cloud, its broker vhost and its database."""

    def __init__(
        self,
        workdir: Path,
        computes: int,
        db: str,
        api_workers: int,
        spawn_delay: float,
        db_pool_size: int | None = None,
    ) -> None:
        import sqlalchemy as sa

        self.workdir = workdir
        self.db = db
        self.name = f"novella_bench_{uuid.uuid4().hex[:10]}"
        self.vhost = self.name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/v2.1"
        self.daemons: list[Daemon] = []
        self.hosts = [f"bench-compute{n}" for n in range(1, computes + 1)]

        rabbitmqctl("add_vhost", self.vhost)
        rabbitmqctl("set_permissions", "-p", self.vhost, "guest", ".*", ".*", ".*")
        if db == "sqlite":
            db_url = f"sqlite:///{workdir / 'nova.sqlite'}"
        else:
            self._admin = sa.create_engine(
                DB_ADMIN[db] + ("/" if db == "mysql" else "/postgres"),
                isolation_level="AUTOCOMMIT",
            )
            with self._admin.connect() as conn:
                quoted = f"`{self.name}`" if db == "mysql" else f'"{self.name}"'
                conn.execute(sa.text(f"CREATE DATABASE {quoted}"))
            db_url = f"{DB_ADMIN[db]}/{self.name}"

        common = {
            "transport_url": f"{RABBIT}/{self.vhost}",
            "report_interval": 5,
            "service_down_time": 60,
            "rpc_response_timeout": 120,
            "graceful_shutdown_timeout": 5,
        }
        state = workdir / "state"
        self.conf = write_config(
            workdir / "nova.conf",
            {
                "DEFAULT": {
                    **common,
                    "host": "bench-controller",
                    "state_path": state,
                    "osapi_compute_listen": "127.0.0.1",
                    "osapi_compute_listen_port": self.port,
                    "osapi_compute_workers": api_workers,
                },
                "api": {"auth_strategy": "noauth2"},
                "database": {
                    "connection": db_url,
                    **({"max_pool_size": db_pool_size} if db_pool_size else {}),
                },
                "image": {"local_store_path": state / "images"},
            },
        )
        self.compute_confs = [
            write_config(
                workdir / f"{host}.conf",
                {
                    "DEFAULT": {
                        **common,
                        "host": host,
                        "state_path": workdir / host,
                        "compute_driver": "fake.FakeDriver",
                    },
                    # Large hosts: capacity never limits the run, the services do.
                    "fake_driver": {
                        "spawn_delay": spawn_delay,
                        "vcpus": 4096,
                        "memory_mb": 16 * 1024 * 1024,
                        "local_gb": 1024 * 1024,
                    },
                },
            )
            for host in self.hosts
        ]

    def start(self) -> None:
        synced = run_cli("nova-manage", self.conf, "db", "sync")
        assert synced.returncode == 0, synced.stderr
        image = self.workdir / "tiny.img"
        image.write_bytes(b"\0" * 1024 * 1024)
        imported = run_cli(
            "nova-manage",
            self.conf,
            "image",
            "import",
            str(image),
            "--name",
            "bench-tiny",
            "--disk-format",
            "raw",
            "--public",
        )
        assert imported.returncode == 0, imported.stderr
        for name in ("nova-conductor", "nova-scheduler", "nova-api"):
            self.daemons.append(Daemon(name, self.conf, self.workdir))
        for conf in self.compute_confs:
            self.daemons.append(Daemon("nova-compute", conf, self.workdir))
        wait_for(self._all_up, timeout=180, interval=2, what="every service up")
        wait_for(self._api_answers, timeout=60, what="nova-api")

    def _all_up(self) -> bool:
        result = run_cli("nova-manage", self.conf, "service", "list")
        return result.stdout.count("| up ") == 2 + len(self.hosts)

    def _api_answers(self) -> bool:
        try:
            return requests.get(self.url + "/flavors", headers=self.headers(), timeout=5).ok
        except requests.RequestException:
            return False

    def headers(self, token: str = "demo:demo") -> dict[str, str]:
        return {"X-Auth-Token": token, "Content-Type": "application/json"}

    def image_id(self) -> str:
        base = self.url.rsplit("/v2.1", 1)[0]
        images = requests.get(f"{base}/image/v2/images", headers=self.headers(), timeout=30)
        images.raise_for_status()
        return next(i["id"] for i in images.json()["images"] if i["name"] == "bench-tiny")

    def unlimited_quotas(self, project: str = "demo") -> None:
        body = {"quota_set": {"instances": -1, "cores": -1, "ram": -1}}
        response = requests.put(
            f"{self.url}/os-quota-sets/{project}",
            json=body,
            headers=self.headers("admin:admin"),
            timeout=30,
        )
        response.raise_for_status()

    def stop(self) -> None:
        for daemon in reversed(self.daemons):
            daemon.stop()
        try:
            rabbitmqctl("delete_vhost", self.vhost)
        finally:
            if self.db != "sqlite":
                import sqlalchemy as sa

                with self._admin.connect() as conn:
                    if self.db == "mysql":
                        conn.execute(sa.text(f"DROP DATABASE IF EXISTS `{self.name}`"))
                    else:
                        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
                self._admin.dispose()

    def logs_with_errors(self) -> list[str]:
        return [d.log_path.name for d in self.daemons if "Traceback" in d.log()]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def boot_burst(cloud: BenchCloud, servers: int, concurrency: int, timeout: float) -> dict[str, Any]:
    """Boot ``servers`` single-server requests; return the measured figures."""
    image = cloud.image_id()
    sent_at: dict[str, float] = {}
    active_at: dict[str, float] = {}
    errors: list[str] = []
    post_latencies: list[float] = []
    lock = threading.Lock()
    local = threading.local()

    def boot(n: int) -> None:
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
        body = {"server": {"name": f"burst-{n}", "flavorRef": "1", "imageRef": image}}
        started = time.monotonic()
        response = session.post(
            cloud.url + "/servers", json=body, headers=cloud.headers(), timeout=120
        )
        elapsed = time.monotonic() - started
        with lock:
            post_latencies.append(elapsed)
            if response.status_code == 202:
                sent_at[response.json()["server"]["id"]] = started
            else:
                errors.append(f"{response.status_code} {response.text[:200]}")

    stop_polling = threading.Event()
    states: Counter[str] = Counter()

    def poll() -> None:
        session = requests.Session()
        since = utc_now() - dt.timedelta(seconds=5)
        while not stop_polling.is_set():
            asked = utc_now()
            response = session.get(
                cloud.url + "/servers/detail",
                params={"changes-since": since.strftime("%Y-%m-%dT%H:%M:%SZ")},
                headers=cloud.headers(),
                timeout=60,
            )
            seen = time.monotonic()
            if response.ok:
                for server in response.json()["servers"]:
                    if server["status"] in ("ACTIVE", "ERROR"):
                        with lock:
                            active_at.setdefault(server["id"], seen)
                            if server["status"] == "ERROR":
                                errors.append(f"{server['id']} ERROR {server.get('fault')}")
                # changes-since compares whole seconds: keep a little overlap.
                since = asked - dt.timedelta(seconds=2)
            time.sleep(POLL_INTERVAL)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    first_post = time.monotonic()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(boot, range(servers)))
    posted = time.monotonic()
    deadline = posted + timeout
    while time.monotonic() < deadline:
        with lock:
            if set(sent_at) <= set(active_at):
                break
        time.sleep(0.1)
    stop_polling.set()
    poller.join(timeout=60)

    done = {sid: active_at[sid] - sent_at[sid] for sid in sent_at if sid in active_at}
    last_active = max((active_at[sid] for sid in done), default=posted)
    admin = requests.get(
        cloud.url + "/servers/detail",
        params={"all_tenants": "1", "limit": "1000"},
        headers=cloud.headers("admin:admin"),
        timeout=120,
    ).json()["servers"]
    for server in admin:
        states[server["status"]] += 1
    spread = Counter(s.get("OS-EXT-SRV-ATTR:host") for s in admin if s["status"] == "ACTIVE")
    ttas = list(done.values())
    return {
        "accepted": len(sent_at),
        "active_or_error": len(done),
        "errors": errors,
        "post_seconds": posted - first_post,
        "total_seconds": last_active - first_post,
        "servers_per_s": len(done) / (last_active - first_post) if done else 0.0,
        "post_p50": statistics.median(post_latencies),
        "post_p95": percentile(post_latencies, 0.95),
        "tta_p50": statistics.median(ttas) if ttas else float("nan"),
        "tta_p95": percentile(ttas, 0.95) if ttas else float("nan"),
        "tta_max": max(ttas) if ttas else float("nan"),
        "states": dict(states),
        "spread": dict(sorted(spread.items(), key=lambda kv: str(kv[0]))),
    }


def report(figures: dict[str, Any], args: argparse.Namespace) -> None:
    print(
        f"boot_burst: {args.servers} servers, {args.computes} fake computes, db {args.db}, "
        f"{args.api_workers} API workers, {args.concurrency} client threads, "
        f"spawn_delay {args.spawn_delay}s, db pool {args.db_pool_size or 'default'}"
    )
    print(f"  accepted (202)        {figures['accepted']}/{args.servers}")
    print(f"  ACTIVE or ERROR       {figures['active_or_error']}  states {figures['states']}")
    print(f"  POSTs took            {figures['post_seconds']:.1f} s")
    print(
        f"  POST latency          p50 {figures['post_p50'] * 1000:.0f} ms"
        f"  p95 {figures['post_p95'] * 1000:.0f} ms"
    )
    print(f"  first POST to last ACTIVE  {figures['total_seconds']:.1f} s")
    print(f"  servers/s             {figures['servers_per_s']:.1f}")
    print(
        f"  time-to-ACTIVE        p50 {figures['tta_p50']:.2f} s  p95 {figures['tta_p95']:.2f} s"
        f"  max {figures['tta_max']:.2f} s  (poll every {POLL_INTERVAL}s)"
    )
    print(f"  servers per host      {figures['spread']}")
    for error in figures["errors"][:5]:
        print(f"  error: {error}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=200)
    parser.add_argument("--computes", type=int, default=10)
    parser.add_argument("--db", choices=["mysql", "postgresql", "sqlite"], default="mysql")
    parser.add_argument("--api-workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--spawn-delay", type=float, default=0.0)
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument(
        "--db-pool-size",
        type=int,
        help="[database] max_pool_size of API, conductor and scheduler (default: Novella's)",
    )
    parser.add_argument("--keep", type=Path, help="work directory to keep (logs)")
    args = parser.parse_args(argv)

    import tempfile

    workdir = args.keep or Path(tempfile.mkdtemp(prefix="novella-boot-burst-"))
    workdir.mkdir(parents=True, exist_ok=True)
    cloud = BenchCloud(
        workdir, args.computes, args.db, args.api_workers, args.spawn_delay, args.db_pool_size
    )
    try:
        started = time.monotonic()
        cloud.start()
        print(f"cloud up in {time.monotonic() - started:.1f} s (logs in {workdir})")
        cloud.unlimited_quotas()
        figures = boot_burst(cloud, args.servers, args.concurrency, args.timeout)
        report(figures, args)
        broken = cloud.logs_with_errors()
        if broken:
            print(f"  tracebacks in: {', '.join(broken)}")
        return 0 if figures["active_or_error"] == args.servers else 1
    finally:
        cloud.stop()


if __name__ == "__main__":
    sys.exit(main())
