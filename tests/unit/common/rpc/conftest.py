"""Fixtures for RPC unit tests: kombu's in-memory transport, servers stopped afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from common import rpc


@pytest.fixture
def transport() -> Iterator[rpc.Transport]:
    yield rpc.get_transport("memory://")
    rpc.cleanup()


@pytest.fixture
def topic() -> str:
    """A topic no other test uses: the memory broker is shared by the whole process."""
    return f"test_{uuid.uuid4().hex[:10]}"


@pytest.fixture
def start_server(transport: rpc.Transport) -> Iterator[Callable[..., rpc.RPCServer]]:
    servers: list[rpc.RPCServer] = []

    def start(target: rpc.Target, endpoints: list[Any], **kwargs: Any) -> rpc.RPCServer:
        server = rpc.RPCServer(transport, target, endpoints, **kwargs)
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
        server.wait()
