"""The shared libvirt connection: opened once, replaced when libvirtd went away, and a
hung call becomes an error for its caller instead of a frozen thread."""

from __future__ import annotations

import threading
import time

import libvirt
import pytest

from compute import exception
from compute.virt.libvirt import host as vhost


def libvirt_error(code: int, domain: int, message: str = "boom") -> libvirt.libvirtError:
    err = libvirt.libvirtError(message)
    err.err = (code, domain, message, 2, None, None, None, -1, -1)
    return err


class FakeConnection:
    """What Host uses of a virConnect; ``broken`` makes calls fail like a dead socket."""

    def __init__(self, number: int) -> None:
        self.number = number
        self.broken = False
        self.closed = False
        self.close_callback = None

    def isAlive(self) -> int:  # noqa: N802 (libvirt's name)
        return 0 if self.broken else 1

    def registerCloseCallback(self, callback, opaque) -> None:  # noqa: N802
        self.close_callback = callback

    def unregisterCloseCallback(self) -> None:  # noqa: N802
        self.close_callback = None

    def setKeepAlive(self, interval, count) -> None:  # noqa: N802
        pass

    def close(self) -> int:
        self.closed = True
        return 0

    def getHostname(self) -> str:  # noqa: N802
        if self.broken:
            raise libvirt_error(
                libvirt.VIR_ERR_SYSTEM_ERROR, libvirt.VIR_FROM_RPC, "Cannot write data"
            )
        return f"host-{self.number}"


@pytest.fixture
def opened(monkeypatch) -> list[FakeConnection]:
    connections: list[FakeConnection] = []

    def fake_open(uri):
        connections.append(FakeConnection(len(connections) + 1))
        return connections[-1]

    monkeypatch.setattr(vhost.libvirt, "open", fake_open)
    return connections


def test_the_connection_is_opened_lazily_once_and_shared(opened):
    host = vhost.Host("qemu:///system")
    assert opened == []
    assert [host.get_hostname() for _ in range(3)] == ["host-1"] * 3
    assert len(opened) == 1 and opened[0].close_callback is not None


def test_a_call_on_a_connection_broken_by_a_libvirtd_restart_reconnects_and_succeeds(opened):
    host = vhost.Host("qemu:///system")
    assert host.get_hostname() == "host-1"
    opened[0].broken = True  # libvirtd restarted: the old socket is dead
    assert host.get_hostname() == "host-2"
    assert opened[0].closed and host.reconnects == 1
    assert host.get_hostname() == "host-2"


def test_the_close_callback_makes_the_next_call_reconnect(opened):
    host = vhost.Host("qemu:///system")
    host.get_hostname()
    opened[0].close_callback(opened[0], libvirt.VIR_CONNECT_CLOSE_REASON_EOF, None)
    assert host.get_hostname() == "host-2"


def test_other_libvirt_errors_are_not_retried(opened):
    host = vhost.Host("qemu:///system")
    calls = []

    def fails(conn):
        calls.append(conn)
        raise libvirt_error(libvirt.VIR_ERR_OPERATION_INVALID, libvirt.VIR_FROM_QEMU)

    with pytest.raises(libvirt.libvirtError):
        host.call(fails)
    assert len(calls) == 1 and len(opened) == 1


def test_a_daemon_that_does_not_answer_is_reported_unavailable(monkeypatch):
    def refuse(uri):
        raise libvirt_error(libvirt.VIR_ERR_SYSTEM_ERROR, libvirt.VIR_FROM_RPC, "no socket")

    monkeypatch.setattr(vhost.libvirt, "open", refuse)
    with pytest.raises(exception.HypervisorUnavailable):
        vhost.Host("qemu:///system", hostname="compute1").get_hostname()


def test_a_hung_call_times_out_without_blocking_other_calls(opened):
    host = vhost.Host("qemu:///system", call_timeout=0.5)
    release = threading.Event()
    started = time.monotonic()
    with pytest.raises(exception.HypervisorUnavailable):
        host.call(lambda conn: release.wait(10))
    assert time.monotonic() - started < 3
    # The pool still serves other calls while the hung one waits.
    assert host.get_hostname() == "host-1"
    release.set()


def test_the_domain_of_an_unknown_instance_is_instance_not_found():
    host = vhost.Host("test:///default")
    with pytest.raises(exception.InstanceNotFound):
        host.domain_call("00000000-0000-4000-8000-000000000000", lambda dom: dom.info())
    host.close()
