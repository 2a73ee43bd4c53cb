"""Novella's RPC layer on kombu, shaped like oslo.messaging (see DESIGN.md section 2).

transport = rpc.get_transport()
client = rpc.RPCClient(transport, rpc.Target(topic="conductor", version="1.0"))
client.prepare(version="1.1").call(ctxt, "ping", arg=1)

server = rpc.RPCServer(transport, rpc.Target(topic="conductor", server=host), [manager])
server.start(); ...; server.stop(); server.wait()
"""

from common.rpc.client import RPCClient
from common.rpc.exceptions import (
    ALLOWED_EXMODS,
    InvalidTarget,
    InvalidTransportURL,
    MessageDeliveryFailure,
    MessagingTimeout,
    NoSuchMethod,
    RemoteError,
    RPCException,
    UnsupportedVersion,
    add_allowed_exmods,
)
from common.rpc.serializer import RequestContextSerializer, Serializer
from common.rpc.server import Dispatcher, RPCServer
from common.rpc.target import Target
from common.rpc.transport import Transport, cleanup, get_transport

__all__ = [
    "ALLOWED_EXMODS",
    "Dispatcher",
    "InvalidTarget",
    "InvalidTransportURL",
    "MessageDeliveryFailure",
    "MessagingTimeout",
    "NoSuchMethod",
    "RPCClient",
    "RPCException",
    "RPCServer",
    "RemoteError",
    "RequestContextSerializer",
    "Serializer",
    "Target",
    "Transport",
    "UnsupportedVersion",
    "add_allowed_exmods",
    "cleanup",
    "get_transport",
]
