"""RPCServer and Dispatcher over memory://: fanout, dispatch rules, versions, contexts."""

from __future__ import annotations

import threading
import time

import pytest

from common import log as common_log
from common import rpc
from common.context import RequestContext
from common.rpc.server import Dispatcher


class Manager:
    target = rpc.Target(version="1.3")

    def __init__(self, name: str = "m") -> None:
        self.name = name
        self.pings: list[str] = []
        self.got_ping = threading.Event()

    def ping(self, ctxt, sender):
        self.pings.append(sender)
        self.got_ping.set()
        return self.name

    def whoami(self, ctxt):
        return {"request_id": ctxt.request_id, "user_id": ctxt.user_id, "is_admin": ctxt.is_admin}

    def _secret(self, ctxt):
        return "leaked"


def test_fanout_cast_reaches_every_server(transport, topic, start_server):
    managers = [Manager(f"m{i}") for i in range(3)]
    for i, manager in enumerate(managers):
        start_server(rpc.Target(topic=topic, server=f"host{i}"), [manager])
    client = rpc.RPCClient(transport, rpc.Target(topic=topic))

    client.prepare(fanout=True).cast(RequestContext(), "ping", sender="fan")

    for manager in managers:
        assert manager.got_ping.wait(5), manager.name
    time.sleep(0.1)
    assert [m.pings for m in managers] == [["fan"], ["fan"], ["fan"]]


def test_topic_cast_goes_to_exactly_one_of_several_servers(transport, topic, start_server):
    managers = [Manager(f"m{i}") for i in range(3)]
    for i, manager in enumerate(managers):
        start_server(rpc.Target(topic=topic, server=f"host{i}"), [manager])
    client = rpc.RPCClient(transport, rpc.Target(topic=topic))

    for i in range(9):
        client.cast(RequestContext(), "ping", sender=str(i))

    deadline = time.monotonic() + 5
    while sum(len(m.pings) for m in managers) < 9 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.1)
    assert sorted(p for m in managers for p in m.pings) == [str(i) for i in range(9)]


def test_unknown_method_raises_no_such_method(transport, topic, start_server):
    start_server(rpc.Target(topic=topic, server="h"), [Manager()])
    client = rpc.RPCClient(transport, rpc.Target(topic=topic))

    with pytest.raises(rpc.NoSuchMethod) as info:
        client.call(RequestContext(), "reboot_the_world")
    assert "reboot_the_world" in str(info.value)


def test_private_methods_are_never_dispatched(transport, topic, start_server):
    start_server(rpc.Target(topic=topic, server="h"), [Manager()])
    client = rpc.RPCClient(transport, rpc.Target(topic=topic))

    with pytest.raises(rpc.NoSuchMethod):
        client.call(RequestContext(), "_secret")
    with pytest.raises(rpc.NoSuchMethod):
        client.call(RequestContext(), "__init__")


@pytest.mark.parametrize("version", ["1.4", "2.0", "0.9"])
def test_version_mismatch_is_refused(transport, topic, start_server, version):
    manager = Manager()
    start_server(rpc.Target(topic=topic, server="h"), [manager])
    client = rpc.RPCClient(transport, rpc.Target(topic=topic))

    with pytest.raises(rpc.UnsupportedVersion) as info:
        client.prepare(version=version).call(RequestContext(), "ping", sender="x")

    assert version in str(info.value) and "ping" in str(info.value)
    assert manager.pings == []


@pytest.mark.parametrize("version", [None, "1.0", "1.3"])
def test_compatible_versions_are_served(transport, topic, start_server, version):
    start_server(rpc.Target(topic=topic, server="h"), [Manager("ok")])
    client = rpc.RPCClient(transport, rpc.Target(topic=topic))

    assert client.prepare(version=version).call(RequestContext(), "ping", sender="x") == "ok"


def test_request_context_round_trip_sets_the_request_id(
    transport, topic, start_server, monkeypatch
):
    seen_ids: list[str | None] = []
    real_set = common_log.set_request_id

    def recording_set(request_id):
        seen_ids.append(request_id)
        real_set(request_id)

    monkeypatch.setattr(common_log, "set_request_id", recording_set)
    start_server(rpc.Target(topic=topic, server="h"), [Manager()])
    client = rpc.RPCClient(transport, rpc.Target(topic=topic))
    ctxt = RequestContext(user_id="alice", project_id="p1", roles=["admin"])

    seen = client.call(ctxt, "whoami")

    assert seen == {"request_id": ctxt.request_id, "user_id": "alice", "is_admin": True}
    assert ctxt.request_id in seen_ids


def test_custom_serializer_runs_on_both_sides(transport, topic, start_server):
    class Boxed:
        def __init__(self, value):
            self.value = value

    class BoxSerializer(rpc.Serializer):
        def serialize_entity(self, ctxt, entity):
            return {"boxed": entity.value} if isinstance(entity, Boxed) else entity

        def deserialize_entity(self, ctxt, entity):
            if isinstance(entity, dict) and set(entity) == {"boxed"}:
                return Boxed(entity["boxed"])
            return entity

    class Doubler:
        def double(self, ctxt, box):
            assert isinstance(box, Boxed)
            return Boxed(box.value * 2)

    start_server(rpc.Target(topic=topic, server="h"), [Doubler()], serializer=BoxSerializer())
    client = rpc.RPCClient(transport, rpc.Target(topic=topic), serializer=BoxSerializer())

    result = client.call(RequestContext(), "double", box=Boxed(21))

    assert isinstance(result, Boxed) and result.value == 42


def test_stop_then_wait_lets_running_work_finish(transport, topic, start_server):
    started, finished = threading.Event(), threading.Event()

    class Slow:
        def work(self, ctxt):
            started.set()
            time.sleep(0.3)
            finished.set()

    server = start_server(rpc.Target(topic=topic, server="h"), [Slow()])
    rpc.RPCClient(transport, rpc.Target(topic=topic)).cast(RequestContext(), "work")
    assert started.wait(5)

    server.stop()
    server.wait()

    assert finished.is_set()


def test_stopped_server_takes_no_new_messages(transport, topic, start_server):
    manager = Manager()
    server = start_server(rpc.Target(topic=topic, server="h"), [manager])
    server.stop()
    server.wait()
    client = rpc.RPCClient(transport, rpc.Target(topic=topic))

    with pytest.raises(rpc.MessagingTimeout):
        client.prepare(timeout=0.3).call(RequestContext(), "ping", sender="late")
    assert manager.pings == []


class TestDispatcher:
    def envelope(self, method, version=None, namespace=None, **args):
        return {"method": method, "args": args, "version": version, "namespace": namespace}

    def test_namespace_selects_the_endpoint(self):
        class Base:
            target = rpc.Target(namespace="baseapi", version="1.1")

            def ping(self, ctxt, sender):
                return "base"

        dispatcher = Dispatcher([Manager("main"), Base()], rpc.RequestContextSerializer())
        ctxt = RequestContext()

        assert dispatcher.dispatch(ctxt, self.envelope("ping", sender="a")) == "main"
        assert dispatcher.dispatch(ctxt, self.envelope("ping", "1.1", "baseapi", sender="a")) == (
            "base"
        )
        with pytest.raises(rpc.NoSuchMethod):
            dispatcher.dispatch(ctxt, self.envelope("whoami", namespace="baseapi"))

    def test_endpoint_without_target_serves_1_0(self):
        class Plain:
            def hello(self, ctxt):
                return "hi"

        dispatcher = Dispatcher([Plain()], rpc.RequestContextSerializer())

        assert dispatcher.dispatch(RequestContext(), self.envelope("hello", "1.0")) == "hi"
        with pytest.raises(rpc.UnsupportedVersion):
            dispatcher.dispatch(RequestContext(), self.envelope("hello", "1.1"))

    def test_first_compatible_endpoint_wins(self):
        class Old:
            target = rpc.Target(version="1.0")

            def ping(self, ctxt, sender):
                return "old"

        class New:
            target = rpc.Target(version="2.1")

            def ping(self, ctxt, sender):
                return "new"

        dispatcher = Dispatcher([Old(), New()], rpc.RequestContextSerializer())

        assert dispatcher.dispatch(RequestContext(), self.envelope("ping", "2.0", sender=1)) == (
            "new"
        )
        assert dispatcher.dispatch(RequestContext(), self.envelope("ping", "1.0", sender=1)) == (
            "old"
        )
