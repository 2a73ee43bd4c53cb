"""Where an RPC message goes (client side) or what a server listens to (server side)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from common.config import CONF


@dataclass(frozen=True)
class Target:
    """Addressing of RPC messages, as in oslo.messaging.

    A client uses ``topic`` (and ``server`` for one host, or ``fanout`` for all hosts)
    and ``version`` (the API version its message needs). A server uses ``topic`` and
    ``server`` to decide which queues it consumes; an endpoint uses ``version`` and
    ``namespace`` to say what it serves. ``exchange`` defaults to ``control_exchange``
    when the message is sent, so one process can read its configuration late.
    """

    topic: str | None = None
    server: str | None = None
    fanout: bool = False
    version: str | None = None
    exchange: str | None = None
    namespace: str | None = None

    def replace(self, **changes: object) -> Target:
        return dataclasses.replace(self, **changes)

    @property
    def exchange_name(self) -> str:
        return self.exchange or CONF.control_exchange


def parse_version(version: str | None) -> tuple[int, int]:
    """'1.3' -> (1, 3); a missing version means 1.0, as for an endpoint without target."""
    if not version:
        return (1, 0)
    parts = str(version).split(".")
    try:
        major = int(parts[0])
        minor = int(parts[1]) if len(parts) > 1 else 0
    except ValueError:
        raise ValueError(f"Invalid RPC version {version!r}") from None
    return (major, minor)


def version_is_compatible(available: str | None, wanted: str | None) -> bool:
    """Whether something implementing ``available`` can handle a ``wanted`` message.

    Same major version, and the available minor at least the wanted one: minor bumps
    only add optional arguments, a major bump breaks compatibility.
    """
    have_major, have_minor = parse_version(available)
    want_major, want_minor = parse_version(wanted)
    return have_major == want_major and have_minor >= want_minor
