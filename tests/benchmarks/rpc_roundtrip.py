"""RPC call round trips over RabbitMQ: Novella's RPC layer next to bare kombu.

    .venv/bin/python tests/benchmarks/rpc_roundtrip.py [--count 2000] [--url rabbit://...]

Prints calls/s and p50/p99 latency of ``RPCClient.call`` against an ``RPCServer`` in
this process, then of a hand-written kombu request/reply loop on the same broker (once
plain, once with the same publisher confirms and persistent messages the RPC layer
uses), and the ratios. Server and client each have their own connections in both cases.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import kombu

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from common import rpc  # noqa: E402
from common.context import RequestContext  # noqa: E402
from common.rpc.transport import parse_url  # noqa: E402

WARMUP = 50


def measure(count: int, one_call: Callable[[int], object]) -> dict[str, float]:
    for i in range(WARMUP):
        one_call(i)
    latencies = []
    started = time.perf_counter()
    for i in range(count):
        t0 = time.perf_counter()
        one_call(i)
        latencies.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "calls_per_s": count / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
    }


class Echo:
    def echo(self, ctxt, value):
        return value


def bench_rpc(url: str, count: int) -> dict[str, float]:
    topic = f"bench_{uuid.uuid4().hex[:8]}"
    exchange = f"bench_{uuid.uuid4().hex[:8]}"
    transport = rpc.get_transport(url)
    server = rpc.RPCServer(
        transport, rpc.Target(topic=topic, server="b", exchange=exchange), [Echo()]
    )
    server.start()
    client = rpc.RPCClient(transport, rpc.Target(topic=topic, exchange=exchange))
    ctxt = RequestContext()
    try:
        return measure(count, lambda i: client.call(ctxt, "echo", value=i))
    finally:
        server.stop()
        server.wait()
        rpc.cleanup()
        with _connection(url, confirm=False) as conn:
            for queue in (topic, f"{topic}.b"):
                conn.channel().queue_delete(queue)
            for name in (exchange, f"{topic}_fanout"):
                conn.channel().exchange_delete(name)


def _connection(url: str, confirm: bool) -> kombu.Connection:
    host = parse_url(url)[1][0]
    return kombu.Connection(
        hostname=host.hostname,
        port=host.port,
        userid=host.userid,
        password=host.password,
        virtual_host=host.virtual_host,
        transport_options={"confirm_publish": confirm},
    )


def bench_kombu(url: str, count: int, confirm: bool) -> dict[str, float]:
    """A minimal request/reply over two queues, no envelope, context or dispatch."""
    suffix = uuid.uuid4().hex[:8]
    requests = kombu.Queue(f"bench_req_{suffix}", durable=confirm, auto_delete=not confirm)
    replies = kombu.Queue(f"bench_rep_{suffix}", durable=False, auto_delete=True)
    delivery_mode = 2 if confirm else 1
    stop = threading.Event()
    ready = threading.Event()

    def responder() -> None:
        with _connection(url, confirm) as conn:
            producer = kombu.Producer(conn.channel())

            def on_request(body, message):
                message.ack()
                producer.publish(body, routing_key=replies.name, serializer="json", delivery_mode=1)

            with kombu.Consumer(conn.channel(), [requests], callbacks=[on_request]):
                ready.set()
                while not stop.is_set():
                    try:
                        conn.drain_events(timeout=0.2)
                    except TimeoutError:
                        pass

    thread = threading.Thread(target=responder, daemon=True)
    thread.start()
    ready.wait(10)
    got: list[object] = []
    with _connection(url, confirm) as conn:
        producer = kombu.Producer(conn.channel())
        consumer = kombu.Consumer(
            conn.channel(), [replies], callbacks=[lambda body, msg: (msg.ack(), got.append(body))]
        )
        consumer.consume()

        def one_call(i: int) -> object:
            producer.publish(
                {"value": i},
                routing_key=requests.name,
                serializer="json",
                delivery_mode=delivery_mode,
                declare=[requests],
            )
            while not got:
                conn.drain_events(timeout=10)
            return got.pop()

        try:
            return measure(count, one_call)
        finally:
            stop.set()
            thread.join(5)
            consumer.cancel()
            requests(conn.channel()).delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000, help="round trips to time")
    parser.add_argument("--url", default="rabbit://guest:guest@127.0.0.1:5672/")
    args = parser.parse_args()

    results = {
        "novella rpc call": bench_rpc(args.url, args.count),
        "bare kombu": bench_kombu(args.url, args.count, confirm=False),
        "bare kombu + confirms": bench_kombu(args.url, args.count, confirm=True),
    }
    print(f"{args.count} round trips on {parse_url(args.url)[1][0].hostname}")
    print(f"{'':24} {'calls/s':>9} {'p50 ms':>8} {'p99 ms':>8}")
    for name, r in results.items():
        print(f"{name:24} {r['calls_per_s']:9.0f} {r['p50_ms']:8.2f} {r['p99_ms']:8.2f}")
    ours = results["novella rpc call"]["calls_per_s"]
    for name in ("bare kombu", "bare kombu + confirms"):
        print(f"throughput novella / {name}: {ours / results[name]['calls_per_s']:.2f}")


if __name__ == "__main__":
    main()
