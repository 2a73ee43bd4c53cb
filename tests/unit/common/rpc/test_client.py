"""RPCClient over memory://: call, cast, timeout, version cap."""

from __future__ import annotations

import threading
import time

import pytest

from common import rpc
from common.context import RequestContext


class Recorder:
    target = rpc.Target(version="1.3")

    def __init__(self) -> None:
        self.casts: list[tuple[str, object]] = []
        self.received = threading.Event()

    def add(self, ctxt, a, b):
        return a + b

    def remember(self, ctxt, value):
        self.casts.append(("remember", value))
        self.received.set()

    def slow(self, ctxt, seconds):
        time.sleep(seconds)
        return "done"


def test_call_returns_the_result(transport, topic, start_server):
    start_server(rpc.Target(topic=topic, server="host1"), [Recorder()])
    client = rpc.RPCClient(transport, rpc.Target(topic=topic, version="1.0"))

    assert client.call(RequestContext(), "add", a=2, b=3) == 5
    assert client.prepare(server="host1").call(RequestContext(), "add", a="x", b="y") == "xy"


def test_cast_is_delivered_without_reply(transport, topic, start_server):
    endpoint = Recorder()
    start_server(rpc.Target(topic=topic, server="host1"), [endpoint])
    client = rpc.RPCClient(transport, rpc.Target(topic=topic))

    assert client.cast(RequestContext(), "remember", value={"k": [1, 2]}) is None

    assert endpoint.received.wait(5)
    assert endpoint.casts == [("remember", {"k": [1, 2]})]


def test_cast_waits_in_the_queue_until_a_server_starts(transport, topic, start_server):
    client = rpc.RPCClient(transport, rpc.Target(topic=topic))
    client.cast(RequestContext(), "remember", value=42)

    endpoint = Recorder()
    start_server(rpc.Target(topic=topic, server="host1"), [endpoint])

    assert endpoint.received.wait(5)
    assert endpoint.casts == [("remember", 42)]


def test_cast_to_one_server_reaches_only_that_server(transport, topic, start_server):
    first, second = Recorder(), Recorder()
    start_server(rpc.Target(topic=topic, server="host1"), [first])
    start_server(rpc.Target(topic=topic, server="host2"), [second])
    client = rpc.RPCClient(transport, rpc.Target(topic=topic))

    for value in range(5):
        client.prepare(server="host2").cast(RequestContext(), "remember", value=value)

    deadline = time.monotonic() + 5
    while len(second.casts) < 5 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert [v for _, v in second.casts] == [0, 1, 2, 3, 4]
    assert first.casts == []


def test_call_times_out_when_nobody_answers(transport, topic):
    client = rpc.RPCClient(transport, rpc.Target(topic=topic), timeout=0.3)

    started = time.monotonic()
    with pytest.raises(rpc.MessagingTimeout) as info:
        client.call(RequestContext(), "add", a=1, b=2)

    assert 0.3 <= time.monotonic() - started < 3
    assert "add" in str(info.value)


def test_call_times_out_when_the_server_is_too_slow(transport, topic, start_server):
    start_server(rpc.Target(topic=topic, server="host1"), [Recorder()])
    client = rpc.RPCClient(transport, rpc.Target(topic=topic))

    with pytest.raises(rpc.MessagingTimeout):
        client.prepare(timeout=0.2).call(RequestContext(), "slow", seconds=1)
    assert client.prepare(timeout=5).call(RequestContext(), "slow", seconds=0) == "done"


def test_call_to_a_fanout_target_is_refused(transport, topic):
    client = rpc.RPCClient(transport, rpc.Target(topic=topic, fanout=True))

    with pytest.raises(rpc.InvalidTarget):
        client.call(RequestContext(), "add", a=1, b=2)


def test_version_cap_refuses_newer_messages_locally(transport, topic, start_server):
    endpoint = Recorder()
    start_server(rpc.Target(topic=topic, server="host1"), [endpoint])
    client = rpc.RPCClient(transport, rpc.Target(topic=topic, version="1.0"), version_cap="1.2")

    with pytest.raises(rpc.UnsupportedVersion) as info:
        client.prepare(version="1.3").cast(RequestContext(), "remember", value=1)
    assert "1.3" in str(info.value) and "1.2" in str(info.value)
    with pytest.raises(rpc.UnsupportedVersion):
        client.prepare(version="2.0").call(RequestContext(), "add", a=1, b=1)

    assert client.prepare(version="1.2").call(RequestContext(), "add", a=1, b=1) == 2
    assert endpoint.casts == []


def test_can_send_version_follows_the_cap(transport, topic):
    capped = rpc.RPCClient(transport, rpc.Target(topic=topic, version="1.0"), version_cap="1.5")

    assert capped.can_send_version("1.5")
    assert capped.can_send_version("1.0")
    assert not capped.can_send_version("1.6")
    assert not capped.can_send_version("2.0")
    assert capped.can_send_version()
    assert not capped.prepare(version="1.9").can_send_version()
    uncapped = rpc.RPCClient(transport, rpc.Target(topic=topic))
    assert uncapped.can_send_version("7.3")


def test_prepare_keeps_what_it_is_not_told(transport, topic):
    client = rpc.RPCClient(
        transport, rpc.Target(topic=topic, version="1.1"), version_cap="1.4", timeout=7
    )

    prepared = client.prepare(server="h9")

    assert prepared.target == rpc.Target(topic=topic, server="h9", version="1.1")
    assert prepared.version_cap == "1.4" and prepared.timeout == 7
    assert prepared.prepare(server=None).target.server is None
    assert client.target.server is None


def test_many_concurrent_calls_get_their_own_replies(transport, topic, start_server):
    start_server(rpc.Target(topic=topic, server="host1"), [Recorder()], executor_threads=4)
    client = rpc.RPCClient(transport, rpc.Target(topic=topic))
    results: dict[int, object] = {}

    def caller(i: int) -> None:
        results[i] = client.call(RequestContext(), "add", a=i, b=1000)

    threads = [threading.Thread(target=caller, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert results == {i: i + 1000 for i in range(20)}
