"""The server side: consume a topic's queues and dispatch messages to endpoints.

``RPCServer(transport, Target(topic='conductor', server=host), [manager])`` consumes
the shared ``conductor`` queue (round-robin between workers), ``conductor.<host>``
(this host only) and a private queue bound to the ``conductor_fanout`` exchange.
Messages are acknowledged on receipt and dispatched on a thread pool, so a slow method
never holds up the connection (or its heartbeats).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import kombu

from common import log as common_log
from common.config import CONF
from common.exception import NovellaException
from common.rpc import exceptions
from common.rpc.serializer import RequestContextSerializer, Serializer
from common.rpc.target import Target, version_is_compatible
from common.rpc.transport import (
    CONNECT_TIMEOUT,
    ConsumerThread,
    Transport,
    fanout_exchange,
    reply_queue,
    topic_queue,
)

LOG = logging.getLogger(__name__)


class Dispatcher:
    """Finds the endpoint method a message names and calls it as ``method(ctxt, **args)``.

    An endpoint serves the namespace and version of its ``target`` attribute (none:
    namespace None, version 1.0). A message for version X.Y goes to an endpoint with
    the same major version and a minor >= Y.
    """

    def __init__(self, endpoints: list[Any], serializer: Serializer) -> None:
        self.endpoints = list(endpoints)
        self.serializer = serializer

    def dispatch(self, ctxt: Any, envelope: dict[str, Any]) -> Any:
        """Run the method; returns its serialized result or raises what it raised."""
        method = envelope.get("method")
        namespace = envelope.get("namespace")
        version = envelope.get("version") or "1.0"
        if not isinstance(method, str) or not method or method.startswith("_"):
            raise exceptions.NoSuchMethod(method=method)
        served = []
        for endpoint in self.endpoints:
            target = getattr(endpoint, "target", None) or Target()
            func = getattr(endpoint, method, None)
            if target.namespace != namespace or not callable(func):
                continue
            if version_is_compatible(target.version, version):
                args = envelope.get("args") or {}
                kwargs = {k: self.serializer.deserialize_entity(ctxt, v) for k, v in args.items()}
                return self.serializer.serialize_entity(ctxt, func(ctxt, **kwargs))
            served.append(target.version or "1.0")
        if not served:
            raise exceptions.NoSuchMethod(method=method)
        raise exceptions.UnsupportedVersion(
            message=f"Endpoint does not support RPC version {version} of method {method} "
            f"(it serves version {', '.join(served)})",
            version=version,
            method=method,
        )


class RPCServer:
    """Serves ``endpoints`` on ``target.topic`` for host ``target.server``.

    ``start()`` returns once the queues are declared (or the first connection attempt
    failed; it keeps retrying in the background). ``stop()`` stops taking messages;
    ``wait()`` then blocks until the methods already running have finished.
    """

    def __init__(
        self,
        transport: Transport,
        target: Target,
        endpoints: list[Any],
        serializer: Serializer | None = None,
        executor_threads: int | None = None,
    ) -> None:
        if not target.topic:
            raise exceptions.InvalidTarget(action="serve", reason="a server needs a topic")
        self.transport = transport
        self.target = target if target.server else target.replace(server=CONF.host)
        self.dispatcher = Dispatcher(endpoints, serializer or RequestContextSerializer())
        self._threads = executor_threads or CONF.executor_thread_pool_size
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None
        self._consumer: ConsumerThread | None = None

    def _queues(self) -> list[kombu.Queue]:
        topic, server = self.target.topic, self.target.server
        exchange = self.target.exchange_name
        fanout = kombu.Queue(
            f"{topic}_fanout_{uuid.uuid4().hex}",
            fanout_exchange(topic),
            routing_key=topic,
            durable=False,
            auto_delete=True,
            exclusive=True,
        )
        return [topic_queue(exchange, topic), topic_queue(exchange, f"{topic}.{server}"), fanout]

    def start(self) -> None:
        with self._lock:
            if self._consumer is not None:
                return
            if self._executor is None:
                self._executor = ThreadPoolExecutor(
                    self._threads, thread_name_prefix=f"rpc-{self.target.topic}"
                )
            self._consumer = ConsumerThread(
                self.transport,
                f"rpc-server-{self.target.topic}.{self.target.server}",
                self._queues,
                self._on_message,
            )
            self._consumer.start()
            consumer = self._consumer
        consumer.first_attempt_done.wait(CONNECT_TIMEOUT * 2)
        LOG.info(
            "RPC server consuming %s and %s.%s on exchange %s",
            self.target.topic,
            self.target.topic,
            self.target.server,
            self.target.exchange_name,
        )

    def stop(self) -> None:
        """Stop taking new messages; messages already received still run."""
        with self._lock:
            consumer, self._consumer = self._consumer, None
        if consumer is not None:
            consumer.stop()

    def wait(self) -> None:
        """Block until every dispatch received before ``stop()`` has finished."""
        self.stop()
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True)

    @property
    def consuming(self) -> bool:
        consumer = self._consumer
        return consumer is not None and consumer.consuming.is_set()

    def _on_message(self, body: Any, message: kombu.Message) -> None:
        # Acknowledged on receipt, as oslo.messaging does: a method must not run twice
        # because the connection dropped while it was running.
        message.ack()
        if not isinstance(body, dict):
            LOG.error("Dropping a malformed RPC message: %r", body)
            return
        executor = self._executor
        if executor is None:
            LOG.error("Dropping %s received after shutdown", body.get("method"))
            return
        executor.submit(self._process, body)

    def _process(self, envelope: dict[str, Any]) -> None:
        reply: dict[str, Any]
        try:
            ctxt = self.dispatcher.serializer.deserialize_context(envelope.get("context") or {})
            common_log.set_request_id(getattr(ctxt, "request_id", None))
            reply = {"result": self.dispatcher.dispatch(ctxt, envelope)}
        except Exception as exc:  # everything a method raises goes back to the caller
            self._log_failure(envelope, exc)
            reply = {"failure": exceptions.serialize_remote_exception(exc)}
        try:
            if envelope.get("reply_to") and envelope.get("msg_id"):
                self._reply(envelope, reply)
        finally:
            common_log.set_request_id(None)

    def _reply(self, envelope: dict[str, Any], reply: dict[str, Any]) -> None:
        reply["msg_id"] = envelope["msg_id"]
        deadline = time.monotonic() + CONF.rpc_response_timeout
        try:
            try:
                self._publish_reply(envelope["reply_to"], reply, deadline)
            except (TypeError, ValueError) as exc:
                LOG.error("Result of %s cannot be sent: %s", envelope.get("method"), exc)
                failure = exceptions.serialize_remote_exception(exc)
                self._publish_reply(
                    envelope["reply_to"], {"failure": failure, "msg_id": reply["msg_id"]}, deadline
                )
        except exceptions.MessageDeliveryFailure as exc:
            LOG.warning("Reply to %s lost: %s", envelope.get("method"), exc)

    def _publish_reply(self, reply_to: str, reply: dict[str, Any], deadline: float) -> None:
        self.transport.publish(
            "",
            reply_to,
            reply,
            declare=(reply_queue(reply_to),),
            persistent=False,
            deadline=deadline,
        )

    def _log_failure(self, envelope: dict[str, Any], exc: Exception) -> None:
        method = envelope.get("method")
        is_call = bool(envelope.get("msg_id"))
        if isinstance(exc, NovellaException):
            # Expected outcomes (NotFound, Invalid...) travel back to the caller; a
            # cast has no caller, so say it louder.
            LOG.log(
                logging.INFO if is_call else logging.WARNING,
                "%s %s failed: %s",
                "Call" if is_call else "Cast",
                method,
                exc.format_message(),
            )
        else:
            LOG.error("Unexpected error in %s", method, exc_info=exc)
