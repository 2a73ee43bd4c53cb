"""Latency of ``GET /servers/detail`` with 1,000 servers in the project.

    .venv/bin/python tests/benchmarks/list_detail.py [--servers 1000] [--requests 50]
        [--db mysql|postgresql|sqlite] [--batch 100] [--computes 10]

Starts the same cloud as boot_burst.py (nova-api, conductor, scheduler, ``--computes``
fake nova-compute processes on a fresh RabbitMQ vhost and database), fills the demo
project through the API: ``POST /servers`` with ``min_count = max_count = --batch``
(Nova's multi-create), batch after batch, until ``--servers`` are ACTIVE. Then times
``--requests`` sequential ``GET /servers/detail`` calls as the demo user (one page: the
API's max_limit is 1,000), the same with ``?limit=100`` (first page), and the admin's
``?all_tenants=1``, and prints p50/p95 for each with the response size.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks.boot_burst import BenchCloud, percentile  # noqa: E402


def fill(cloud: BenchCloud, servers: int, batch: int, timeout: float) -> float:
    """Boot ``servers`` through the API in multi-create batches; return seconds taken."""
    image = cloud.image_id()
    session = requests.Session()
    started = time.monotonic()
    booted = 0
    while booted < servers:
        count = min(batch, servers - booted)
        body = {
            "server": {
                "name": f"fill-{booted}",
                "flavorRef": "1",
                "imageRef": image,
                "min_count": count,
                "max_count": count,
            }
        }
        response = session.post(
            cloud.url + "/servers", json=body, headers=cloud.headers(), timeout=300
        )
        if response.status_code != 202:
            raise RuntimeError(f"multi-create refused: {response.status_code} {response.text}")
        booted += count
    # Poll cheaply (one BUILD server is enough to keep waiting): a full detail listing
    # every second would be a load of its own on the API being measured.
    deadline = time.monotonic() + timeout
    while True:
        building = session.get(
            cloud.url + "/servers/detail",
            params={"status": "BUILD", "limit": "1"},
            headers=cloud.headers(),
            timeout=120,
        ).json()["servers"]
        if not building:
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"servers still building after {timeout}s")
        time.sleep(2)
    elapsed = time.monotonic() - started
    listed = session.get(
        cloud.url + "/servers/detail", headers=cloud.headers(), timeout=120
    ).json()["servers"]
    not_active = [s for s in listed if s["status"] != "ACTIVE"]
    if len(listed) != servers or not_active:
        first = not_active[0] if not_active else None
        raise RuntimeError(f"{len(listed)} servers, {len(not_active)} not ACTIVE: {first}")
    return elapsed


def time_get(
    cloud: BenchCloud, requests_count: int, params: dict[str, str], token: str
) -> tuple[list[float], int, int]:
    """Sequential GETs; return latencies, servers in the last answer, its size in bytes."""
    session = requests.Session()
    latencies = []
    size = servers = 0
    for _ in range(requests_count + 2):  # two warm-up requests are not counted
        started = time.perf_counter()
        response = session.get(
            cloud.url + "/servers/detail",
            params=params,
            headers=cloud.headers(token),
            timeout=120,
        )
        latencies.append(time.perf_counter() - started)
        response.raise_for_status()
        size = len(response.content)
        servers = len(response.json()["servers"])
    return latencies[2:], servers, size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--db", choices=["mysql", "postgresql", "sqlite"], default="mysql")
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--computes", type=int, default=10)
    parser.add_argument("--api-workers", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="work directory to keep (logs)")
    args = parser.parse_args(argv)

    workdir = args.keep or Path(tempfile.mkdtemp(prefix="novella-list-detail-"))
    workdir.mkdir(parents=True, exist_ok=True)
    cloud = BenchCloud(workdir, args.computes, args.db, args.api_workers, spawn_delay=0.0)
    try:
        cloud.start()
        cloud.unlimited_quotas()
        filled = fill(cloud, args.servers, args.batch, timeout=900)
        print(
            f"list_detail: {args.servers} servers created through the API "
            f"(POST /servers with min_count=max_count={args.batch}) in {filled:.1f} s "
            f"on {args.computes} fake computes, db {args.db}, {args.api_workers} API workers"
        )
        cases = [
            ("GET /servers/detail", {}, "demo:demo"),
            ("GET /servers/detail?limit=100", {"limit": "100"}, "demo:demo"),
            ("GET /servers/detail?all_tenants=1 (admin)", {"all_tenants": "1"}, "admin:admin"),
        ]
        for label, params, token in cases:
            latencies, servers, size = time_get(cloud, args.requests, params, token)
            print(
                f"  {label:<44} {servers:>5} servers {size / 1024:>7.0f} KiB  "
                f"p50 {statistics.median(latencies) * 1000:7.0f} ms  "
                f"p95 {percentile(latencies, 0.95) * 1000:7.0f} ms  ({args.requests} requests)"
            )
        return 0
    finally:
        cloud.stop()


if __name__ == "__main__":
    sys.exit(main())
