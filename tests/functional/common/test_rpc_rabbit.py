"""The RPC layer on the real RabbitMQ: what services see, including broker restarts.

Every test uses its own exchange and topic and deletes them afterwards, so tests do not
see each other's messages. Broker-restart tests stop and start the RabbitMQ app
(``rabbitmqctl stop_app``/``start_app``) and always start it again.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kombu
import pytest

from common import exception, rpc
from common.config import CONF
from common.context import RequestContext
from common.rpc.transport import parse_url

pytestmark = pytest.mark.rabbit

REPO = Path(__file__).resolve().parents[3]


class Manager:
    target = rpc.Target(version="1.2")

    def __init__(self, name: str) -> None:
        self.name = name
        self.received: list[Any] = []
        self.event = threading.Event()

    def echo(self, ctxt, value):
        return {"server": self.name, "value": value, "request_id": ctxt.request_id}

    def remember(self, ctxt, value):
        self.received.append(value)
        self.event.set()

    def get_service(self, ctxt, service_id):
        raise exception.ServiceNotFound(service_id=service_id)

    def wait_for(self, count: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return len(self.received) >= count


class Bus:
    """One test's private exchange and topic, with its servers and clients."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.exchange = f"test_rpc_{uuid.uuid4().hex[:10]}"
        self.topic = f"topic_{uuid.uuid4().hex[:10]}"
        self.transport = rpc.get_transport(url)
        self.servers: list[rpc.RPCServer] = []
        self.hosts: set[str] = set()

    def target(self, **kwargs: Any) -> rpc.Target:
        return rpc.Target(topic=self.topic, exchange=self.exchange, **kwargs)

    def server(self, host: str, endpoint: Any, start: bool = True) -> rpc.RPCServer:
        self.hosts.add(host)
        server = rpc.RPCServer(self.transport, self.target(server=host), [endpoint])
        self.servers.append(server)
        if start:
            server.start()
            assert server.consuming
        return server

    def client(self, **kwargs: Any) -> rpc.RPCClient:
        return rpc.RPCClient(self.transport, self.target(), **kwargs)

    def close(self) -> None:
        for server in self.servers:
            server.stop()
            server.wait()
        rpc.cleanup()
        host = parse_url(self.url)[1][0]
        with kombu.Connection(
            hostname=host.hostname,
            port=host.port,
            userid=host.userid,
            password=host.password,
            virtual_host=host.virtual_host,
        ) as conn:
            for queue in [self.topic, *(f"{self.topic}.{h}" for h in self.hosts)]:
                conn.channel().queue_delete(queue)
            for exchange in (self.exchange, f"{self.topic}_fanout"):
                conn.channel().exchange_delete(exchange)


@pytest.fixture
def fast_reconnect() -> Iterator[None]:
    group = "oslo_messaging_rabbit"
    overrides = {
        "rabbit_retry_interval": 0.5,
        "rabbit_retry_backoff": 0.5,
        "rabbit_interval_max": 2.0,
        "heartbeat_timeout_threshold": 10,
    }
    for name, value in overrides.items():
        CONF.set_override(name, value, group)
    yield
    for name in overrides:
        CONF.clear_override(name, group)


@pytest.fixture
def bus(rabbit_url: str, fast_reconnect: None) -> Iterator[Bus]:
    rpc.cleanup()
    bus = Bus(rabbit_url)
    yield bus
    bus.close()


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=120)


class BrokerStopped:
    """``with BrokerStopped(): ...`` runs the body while RabbitMQ refuses connections."""

    def __enter__(self) -> BrokerStopped:
        _rabbitmqctl("stop_app")
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.start()

    def start(self) -> None:
        _rabbitmqctl("start_app")
        _rabbitmqctl("await_startup")


def test_call_returns_the_result_and_carries_the_request_id(bus):
    bus.server("host1", Manager("host1"))
    ctxt = RequestContext(user_id="u1", project_id="p1")

    result = bus.client().call(ctxt, "echo", value=[1, "two", {"three": 3}])

    assert result == {
        "server": "host1",
        "value": [1, "two", {"three": 3}],
        "request_id": ctxt.request_id,
    }


def test_call_to_a_named_server_reaches_that_server(bus):
    bus.server("host1", Manager("host1"))
    bus.server("host2", Manager("host2"))
    client = bus.client()

    for _ in range(4):
        assert client.prepare(server="host2").call(RequestContext(), "echo", value=0)["server"] == (
            "host2"
        )


def test_cast_is_delivered(bus):
    manager = Manager("host1")
    bus.server("host1", manager)

    bus.client().cast(RequestContext(), "remember", value="hello")

    assert manager.wait_for(1, 10)
    assert manager.received == ["hello"]


def test_fanout_cast_reaches_three_servers(bus):
    managers = [Manager(f"host{i}") for i in range(3)]
    for manager in managers:
        bus.server(manager.name, manager)

    bus.client().prepare(fanout=True).cast(RequestContext(), "remember", value="all")

    for manager in managers:
        assert manager.wait_for(1, 10), manager.name
    time.sleep(0.2)
    assert [m.received for m in managers] == [["all"], ["all"], ["all"]]


def test_call_times_out_and_is_not_run_later(bus):
    client = bus.client(timeout=1)

    started = time.monotonic()
    with pytest.raises(rpc.MessagingTimeout):
        client.call(RequestContext(), "remember", value="too late")
    assert 1 <= time.monotonic() - started < 5
    time.sleep(0.5)  # the message's TTL counts from when the broker queued it

    manager = Manager("host1")
    bus.server("host1", manager)
    assert not manager.wait_for(1, 2)


def test_remote_exception_round_trip(bus):
    bus.server("host1", Manager("host1"))

    with pytest.raises(exception.ServiceNotFound, match="Service 7 could not be found"):
        bus.client().call(RequestContext(), "get_service", service_id=7)


def test_version_mismatch_is_refused(bus):
    manager = Manager("host1")
    bus.server("host1", manager)
    client = bus.client()

    with pytest.raises(rpc.UnsupportedVersion, match=r"1\.3.*remember"):
        client.prepare(version="1.3").call(RequestContext(), "remember", value=1)
    with pytest.raises(rpc.UnsupportedVersion, match=r"2\.0"):
        client.prepare(version="2.0").call(RequestContext(), "remember", value=1)
    assert manager.received == []
    assert client.prepare(version="1.2").call(RequestContext(), "echo", value=1)["value"] == 1


def test_cast_waits_for_a_server_that_has_not_started(bus):
    bus.client().cast(RequestContext(), "remember", value="queued")
    bus.client().prepare(server="host1").cast(RequestContext(), "remember", value="direct")
    time.sleep(0.5)

    manager = Manager("host1")
    bus.server("host1", manager)

    assert manager.wait_for(2, 10)
    assert sorted(manager.received) == ["direct", "queued"]


_SERVER_PROCESS = """
import os, sys, threading
from common import rpc
url, exchange, topic, host = sys.argv[1:5]

class Manager:
    def whoami(self, ctxt, value):
        return {"pid": os.getpid(), "value": value, "request_id": ctxt.request_id}

server = rpc.RPCServer(rpc.get_transport(url),
                       rpc.Target(topic=topic, server=host, exchange=exchange), [Manager()])
server.start()
print("READY", flush=True)
sys.stdin.read()
server.stop()
server.wait()
rpc.cleanup()
"""


def test_server_in_another_process_answers(bus):
    bus.hosts.add("other")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen(
        [sys.executable, "-c", _SERVER_PROCESS, bus.url, bus.exchange, bus.topic, "other"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
    )
    try:
        assert proc.stdout.readline().strip() == "READY"
        ctxt = RequestContext()

        result = bus.client().prepare(server="other", timeout=10).call(ctxt, "whoami", value=5)

        assert result["pid"] == proc.pid and result["pid"] != os.getpid()
        assert result["value"] == 5 and result["request_id"] == ctxt.request_id
        proc.stdin.close()
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.broker_restart
def test_cast_sent_while_the_broker_is_down_is_delivered(bus, caplog):
    manager = Manager("host1")
    bus.server("host1", manager)
    client = bus.client()
    client.call(RequestContext(), "echo", value="warm up")  # producer connection pooled
    errors: list[BaseException] = []

    def send() -> None:
        try:
            client.cast(RequestContext(), "remember", value="through the outage")
        except BaseException as exc:  # the test thread reports it to the test
            errors.append(exc)

    caplog.set_level(logging.WARNING, logger="common.rpc.transport")
    with BrokerStopped() as broker:
        sender = threading.Thread(target=send)
        sender.start()
        time.sleep(3)
        assert sender.is_alive(), "cast returned while the broker was down"
        broker.start()
        sender.join(60)

    assert not sender.is_alive() and errors == []
    assert manager.wait_for(1, 60)
    assert manager.received == ["through the outage"]
    assert any("retrying in" in r.getMessage() for r in caplog.records)


@pytest.mark.broker_restart
def test_queued_cast_survives_a_broker_restart(bus):
    bus.client().cast(RequestContext(), "remember", value="persistent")
    rpc.cleanup()

    with BrokerStopped():
        time.sleep(1)

    manager = Manager("host1")
    bus.transport = rpc.get_transport(bus.url)
    bus.server("host1", manager)
    assert manager.wait_for(1, 30)
    assert manager.received == ["persistent"]


@pytest.mark.broker_restart
def test_running_server_reconnects_and_serves_new_calls(bus):
    manager = Manager("host1")
    server = bus.server("host1", manager)
    client = bus.client()
    assert client.call(RequestContext(), "echo", value="before")["value"] == "before"

    with BrokerStopped():
        deadline = time.monotonic() + 10
        while server.consuming and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not server.consuming

    deadline = time.monotonic() + 30
    while not server.consuming and time.monotonic() < deadline:
        time.sleep(0.1)
    assert server.consuming
    assert client.prepare(timeout=30).call(RequestContext(), "echo", value="after")["value"] == (
        "after"
    )
    bus.client().prepare(fanout=True).cast(RequestContext(), "remember", value="fanout after")
    assert manager.wait_for(1, 10)


def test_idle_connections_survive_on_heartbeats(bus, caplog):
    CONF.set_override("heartbeat_timeout_threshold", 2, "oslo_messaging_rabbit")
    manager = Manager("host1")
    server = bus.server("host1", manager)
    client = bus.client()
    assert client.call(RequestContext(), "echo", value=1)["value"] == 1
    caplog.set_level(logging.WARNING, logger="common.rpc")

    time.sleep(9)  # the broker drops a connection silent for two heartbeat periods

    assert server.consuming
    assert client.call(RequestContext(), "echo", value=2)["value"] == 2
    assert [r.getMessage() for r in caplog.records] == []
