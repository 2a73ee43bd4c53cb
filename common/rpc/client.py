"""The client side: ``RPCClient(transport, target).prepare(...).call/cast(...)``.

A ``call`` publishes the envelope with ``msg_id`` and ``reply_to`` (this process's reply
queue) and waits for the reply the reply consumer hands over; a ``cast`` publishes and
returns once the broker confirmed the message.
"""

from __future__ import annotations

import concurrent.futures
import time
import uuid
from typing import Any

from common.config import CONF
from common.rpc import exceptions
from common.rpc.serializer import RequestContextSerializer, Serializer
from common.rpc.target import Target, version_is_compatible
from common.rpc.transport import Transport, fanout_exchange, topic_exchange, topic_queue

_UNSET: Any = object()


class _CallContext:
    """A client bound to one target, version cap, serializer and timeout."""

    def __init__(
        self,
        transport: Transport,
        target: Target,
        version_cap: str | None,
        serializer: Serializer,
        timeout: float | None,
    ) -> None:
        self.transport = transport
        self.target = target
        self.version_cap = version_cap
        self.serializer = serializer
        self.timeout = timeout

    def prepare(
        self,
        *,
        topic: str | None = _UNSET,
        server: str | None = _UNSET,
        fanout: bool = _UNSET,
        version: str | None = _UNSET,
        namespace: str | None = _UNSET,
        exchange: str | None = _UNSET,
        timeout: float | None = _UNSET,
        version_cap: str | None = _UNSET,
    ) -> _CallContext:
        """A copy aimed elsewhere; arguments not given keep this client's values."""
        changes = {
            name: value
            for name, value in (
                ("topic", topic),
                ("server", server),
                ("fanout", fanout),
                ("version", version),
                ("namespace", namespace),
                ("exchange", exchange),
            )
            if value is not _UNSET
        }
        return _CallContext(
            self.transport,
            self.target.replace(**changes),
            self.version_cap if version_cap is _UNSET else version_cap,
            self.serializer,
            self.timeout if timeout is _UNSET else timeout,
        )

    def can_send_version(self, version: str | None = _UNSET) -> bool:
        """Whether the version cap lets us send ``version`` (default: the target's)."""
        if version is _UNSET:
            version = self.target.version
        if self.version_cap is None or version is None:
            return True
        return version_is_compatible(self.version_cap, version)

    def cast(self, ctxt: Any, method: str, **kwargs: Any) -> None:
        """Send ``method`` and return once the broker holds it; no reply.

        While the broker is unreachable this blocks and retries (logging each wait),
        so the message is not lost across a broker restart.
        """
        envelope = self._envelope(ctxt, method, kwargs)
        target = self.target
        if target.fanout:
            self.transport.publish(
                fanout_exchange(target.topic), target.topic, envelope, persistent=False
            )
            return
        exchange, routing_key, queue = self._topic_destination()
        self.transport.publish(exchange, routing_key, envelope, declare=(queue,))

    def call(self, ctxt: Any, method: str, **kwargs: Any) -> Any:
        """Send ``method`` and return its result, or raise what the server raised.

        Raises ``MessagingTimeout`` when no reply came within the timeout (the
        client's, else ``rpc_response_timeout``), including time spent waiting for the
        broker.
        """
        if self.target.fanout:
            raise exceptions.InvalidTarget(
                action="call", reason="a call cannot go to a fanout target"
            )
        envelope = self._envelope(ctxt, method, kwargs)
        timeout = self.timeout or CONF.rpc_response_timeout
        deadline = time.monotonic() + timeout
        waiter = self.transport.reply_waiter()
        msg_id = uuid.uuid4().hex
        envelope["msg_id"] = msg_id
        envelope["reply_to"] = waiter.queue_name
        exchange, routing_key, queue = self._topic_destination()
        future = waiter.expect(msg_id)
        try:
            try:
                self.transport.publish(
                    exchange,
                    routing_key,
                    envelope,
                    declare=(queue,),
                    expiration=max(0.001, deadline - time.monotonic()),
                    deadline=deadline,
                )
                reply = future.result(timeout=max(0.0, deadline - time.monotonic()))
            except (exceptions.MessageDeliveryFailure, concurrent.futures.TimeoutError) as exc:
                raise exceptions.MessagingTimeout(
                    method=method, topic=routing_key, timeout=timeout
                ) from exc
        finally:
            waiter.forget(msg_id)
        if reply.get("failure") is not None:
            raise exceptions.deserialize_remote_exception(reply["failure"])
        return self.serializer.deserialize_entity(ctxt, reply.get("result"))

    def _envelope(self, ctxt: Any, method: str, kwargs: dict[str, Any]) -> dict[str, Any]:
        if not self.target.topic:
            raise exceptions.InvalidTarget(action=method, reason="no topic")
        version = self.target.version
        if not self.can_send_version(version):
            raise exceptions.UnsupportedVersion(
                message=f"Requested RPC version {version} of method {method} is above "
                f"the version cap {self.version_cap}",
                version=version,
                method=method,
            )
        return {
            "method": method,
            "args": {k: self.serializer.serialize_entity(ctxt, v) for k, v in kwargs.items()},
            "version": version,
            "context": self.serializer.serialize_context(ctxt),
            "namespace": self.target.namespace,
        }

    def _topic_destination(self) -> tuple[Any, str, Any]:
        target = self.target
        routing_key = f"{target.topic}.{target.server}" if target.server else target.topic
        exchange_name = target.exchange_name
        return topic_exchange(exchange_name), routing_key, topic_queue(exchange_name, routing_key)


class RPCClient(_CallContext):
    """Client of one RPC API; ``prepare()`` narrows it to a server, version or timeout.

    ``version_cap`` is the newest API version the other side is known to run (during
    upgrades); sending anything newer raises ``UnsupportedVersion`` locally, and
    ``can_send_version()`` lets the rpcapi pick the older form instead.
    """

    def __init__(
        self,
        transport: Transport,
        target: Target,
        version_cap: str | None = None,
        serializer: Serializer | None = None,
        timeout: float | None = None,
    ) -> None:
        super().__init__(
            transport, target, version_cap, serializer or RequestContextSerializer(), timeout
        )
