"""Transport URLs, caching per process, back-off."""

from __future__ import annotations

import pytest

from common import rpc
from common.config import CONF
from common.rpc.target import version_is_compatible
from common.rpc.transport import BrokerHost, parse_url


def test_parse_single_rabbit_host_with_default_vhost():
    assert parse_url("rabbit://guest:guest@127.0.0.1:5672/") == (
        "rabbit",
        [BrokerHost("127.0.0.1", 5672, "guest", "guest", "/")],
    )


def test_parse_several_hosts_and_a_vhost():
    driver, hosts = parse_url("rabbit://u:p%40ss@h1:5673,u2:p2@h2/nova")

    assert driver == "rabbit"
    assert hosts == [
        BrokerHost("h1", 5673, "u", "p@ss", "nova"),
        BrokerHost("h2", 5672, "u2", "p2", "nova"),
    ]


def test_host_without_credentials_uses_the_previous_ones():
    _, hosts = parse_url("rabbit://admin:secret@h1,h2:5700/")

    assert [(h.hostname, h.port, h.userid, h.password) for h in hosts] == [
        ("h1", 5672, "admin", "secret"),
        ("h2", 5700, "admin", "secret"),
    ]


@pytest.mark.parametrize("url", ["kafka://h1/", "127.0.0.1:5672", "rabbit:///"])
def test_bad_urls_are_refused(url):
    with pytest.raises(rpc.InvalidTransportURL):
        parse_url(url)


def test_get_transport_is_cached_per_url_until_cleanup():
    first = rpc.get_transport("memory://")
    assert rpc.get_transport("memory://") is first

    rpc.cleanup()

    assert first.closed
    second = rpc.get_transport("memory://")
    assert second is not first
    rpc.cleanup()


def test_get_transport_defaults_to_transport_url():
    CONF.set_override("transport_url", "memory://")
    try:
        assert rpc.get_transport().url == "memory://"
    finally:
        CONF.clear_override("transport_url")
        rpc.cleanup()


def test_retry_delay_grows_by_the_backoff_up_to_the_maximum():
    group = "oslo_messaging_rabbit"
    CONF.set_override("rabbit_retry_interval", 1.0, group)
    CONF.set_override("rabbit_retry_backoff", 2.0, group)
    CONF.set_override("rabbit_interval_max", 6.0, group)
    try:
        transport = rpc.Transport("rabbit://guest:guest@127.0.0.1:1/")
        assert [transport.retry_delay(n) for n in range(5)] == [1.0, 3.0, 5.0, 6.0, 6.0]
    finally:
        for name in ("rabbit_retry_interval", "rabbit_retry_backoff", "rabbit_interval_max"):
            CONF.clear_override(name, group)


def test_closed_transport_refuses_to_publish():
    transport = rpc.Transport("memory://")
    transport.close()
    client = rpc.RPCClient(transport, rpc.Target(topic="anything"))

    with pytest.raises(rpc.MessageDeliveryFailure):
        client.cast({}, "ping")


@pytest.mark.parametrize(
    ("available", "wanted", "ok"),
    [
        ("1.3", "1.0", True),
        ("1.3", "1.3", True),
        ("1.3", "1.4", False),
        ("2.0", "1.0", False),
        (None, "1.0", True),
        ("1.0", None, True),
        ("1.10", "1.9", True),
    ],
)
def test_version_compatibility(available, wanted, ok):
    assert version_is_compatible(available, wanted) is ok
