"""Connections to the bus: URLs, a pool of producer connections, self-healing consumers
and the per-process reply queue.

kombu connections and channels are not thread-safe, so nothing here shares one across
threads: each consumer thread owns its connection, and a publisher borrows a whole
connection from the pool for the length of one publish. Every loop that talks to the
broker retries with back-off, so a broker restart costs latency, never a message sent
with ``cast`` (publishes block until the broker confirms them).
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import kombu
from kombu.utils import json as kombu_json

from common.config import CONF
from common.rpc import exceptions

LOG = logging.getLogger(__name__)

CONNECT_TIMEOUT = 5.0
# How long a consumer blocks for a message before it looks at its stop flag and heartbeat.
_POLL_SECONDS = {"rabbit": 0.25, "memory": 0.05}
_MEMORY_POLLING_INTERVAL = 0.002


def _rabbit_conf() -> Any:
    return CONF.oslo_messaging_rabbit


@dataclass(frozen=True)
class BrokerHost:
    hostname: str
    port: int
    userid: str
    password: str
    virtual_host: str


def parse_url(url: str) -> tuple[str, list[BrokerHost]]:
    """``rabbit://user:pass@h1:5672,user:pass@h2:5672/vhost`` -> ('rabbit', hosts).

    Hosts are tried in order and the next one is used when a connection fails, as
    oslo.messaging does; a host without credentials uses the previous host's.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise exceptions.InvalidTransportURL(url=url, reason="no scheme")
    if scheme == "memory":
        return "memory", []
    if scheme not in ("rabbit", "amqp"):
        raise exceptions.InvalidTransportURL(url=url, reason=f"unknown scheme {scheme}")
    rest = rest.split("?", 1)[0]
    netlocs, _, vhost = rest.partition("/")
    vhost = unquote(vhost) or "/"
    user, password = "guest", "guest"
    hosts = []
    for netloc in filter(None, netlocs.split(",")):
        if "@" in netloc:
            creds, _, netloc = netloc.rpartition("@")
            user, _, password = creds.partition(":")
            user, password = unquote(user), unquote(password)
        parsed = urlsplit("//" + netloc)
        hosts.append(
            BrokerHost(parsed.hostname or "127.0.0.1", parsed.port or 5672, user, password, vhost)
        )
    if not hosts:
        raise exceptions.InvalidTransportURL(url=url, reason="no host")
    return "rabbit", hosts


def topic_exchange(name: str) -> kombu.Exchange:
    return kombu.Exchange(name, "topic", durable=_rabbit_conf().amqp_durable_queues)


def topic_queue(exchange_name: str, name: str) -> kombu.Queue:
    """A shared queue named like its routing key (``conductor``, ``compute.host1``)."""
    return kombu.Queue(
        name,
        topic_exchange(exchange_name),
        routing_key=name,
        durable=_rabbit_conf().amqp_durable_queues,
        auto_delete=False,
    )


def fanout_exchange(topic: str) -> kombu.Exchange:
    # Not auto-deleted: a publisher that declared it once must not find it gone later.
    return kombu.Exchange(f"{topic}_fanout", "fanout", durable=False, auto_delete=False)


def reply_queue(name: str) -> kombu.Queue:
    """A process's reply queue. Not auto-deleted and declared by repliers too, so a
    reply sent while the caller reconnects waits for it; x-expires removes it once
    its process is gone."""
    ttl_ms = _rabbit_conf().rabbit_transient_queues_ttl * 1000
    return kombu.Queue(
        name, durable=False, auto_delete=False, queue_arguments={"x-expires": ttl_ms}
    )


def _close_quietly(conn: kombu.Connection, clean: bool) -> None:
    try:
        if clean:
            conn.release()
        else:
            conn.collect(socket_timeout=0.5)
    except Exception:  # the connection is being thrown away anyway
        LOG.debug("Error closing a broker connection", exc_info=True)


class _PooledConnection:
    """One producer connection with its channel and the entities declared on it."""

    def __init__(self, conn: kombu.Connection) -> None:
        self.conn = conn
        self.producer = kombu.Producer(conn.channel())
        self.declared: set[tuple[str, str]] = set()

    def declare(self, entity: kombu.Exchange | kombu.Queue) -> None:
        key = (type(entity).__name__, entity.name)
        if not entity.name or key in self.declared:
            return
        entity(self.producer.channel).declare()
        self.declared.add(key)


class _ProducerPool:
    def __init__(self, transport: Transport, size: int) -> None:
        self._transport = transport
        self._idle: queue.LifoQueue[_PooledConnection] = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(size)

    @contextmanager
    def connection(self) -> Iterator[_PooledConnection]:
        """Borrow a connection; one that failed is closed rather than returned."""
        with self._slots:
            try:
                pooled = self._idle.get_nowait()
            except queue.Empty:
                pooled = _PooledConnection(self._transport.connect())
            try:
                yield pooled
            except BaseException:
                _close_quietly(pooled.conn, clean=False)
                raise
            self._idle.put(pooled)

    def heartbeat(self) -> None:
        """Keep idle connections alive: read the broker's heartbeats, send ours."""
        idle = self._take_idle()
        for pooled in idle:
            try:
                try:
                    pooled.conn.drain_events(timeout=0.001)
                except TimeoutError:
                    pass
                pooled.conn.heartbeat_check()
            except Exception as exc:
                LOG.debug("Dropping a dead producer connection: %s", exc)
                _close_quietly(pooled.conn, clean=False)
                continue
            self._idle.put(pooled)

    def _take_idle(self) -> list[_PooledConnection]:
        taken = []
        while True:
            try:
                taken.append(self._idle.get_nowait())
            except queue.Empty:
                return taken

    def close(self) -> None:
        for pooled in self._take_idle():
            _close_quietly(pooled.conn, clean=True)


class ConsumerThread(threading.Thread):
    """Consume some queues on a connection of its own, reconnecting for ever.

    ``make_queues`` is called on every (re)connection so that queues the broker lost
    (auto-delete, exclusive, or everything after a restart) are declared again.
    ``on_message(body, message)`` runs on this thread and must be quick. With
    ``delete_on_stop`` the queues are deleted when the thread is stopped.
    """

    def __init__(
        self,
        transport: Transport,
        name: str,
        make_queues: Callable[[], list[kombu.Queue]],
        on_message: Callable[[Any, kombu.Message], None],
        delete_on_stop: bool = False,
    ) -> None:
        super().__init__(name=name, daemon=True)
        self._delete_on_stop = delete_on_stop
        self._transport = transport
        self._make_queues = make_queues
        self._on_message = on_message
        self._stopping = threading.Event()
        self.first_attempt_done = threading.Event()
        self.consuming = threading.Event()

    def stop(self, timeout: float | None = None) -> None:
        self._stopping.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout)

    def run(self) -> None:
        attempt = 0
        while not self._stopping.is_set():
            conn = None
            clean = False
            try:
                conn = self._transport.connect()
                consumer = kombu.Consumer(
                    conn.channel(),
                    queues=self._make_queues(),
                    callbacks=[self._deliver],
                    accept=["json"],
                )
                consumer.consume()
                if attempt:
                    LOG.info("%s: reconnected to the message bus", self.name)
                attempt = 0
                self.consuming.set()
                self.first_attempt_done.set()
                self._drain(conn)
                consumer.cancel()
                if self._delete_on_stop:
                    for queue_ in consumer.queues:
                        queue_.delete()
                clean = True
            except Exception as exc:  # whatever happened, this thread must live on
                self.consuming.clear()
                self.first_attempt_done.set()
                if self._stopping.is_set():
                    break
                wait = self._transport.retry_delay(attempt)
                attempt += 1
                LOG.warning(
                    "%s: lost the message bus (%s: %s); reconnecting in %.1f s",
                    self.name,
                    type(exc).__name__,
                    exc,
                    wait,
                )
                self._stopping.wait(wait)
            finally:
                self.consuming.clear()
                if conn is not None:
                    _close_quietly(conn, clean)

    def _drain(self, conn: kombu.Connection) -> None:
        check_every = self._transport.heartbeat_check_interval
        last_check = time.monotonic()
        while not self._stopping.is_set():
            try:
                conn.drain_events(timeout=_POLL_SECONDS[self._transport.driver])
            except TimeoutError:
                pass
            if check_every and time.monotonic() - last_check >= check_every:
                conn.heartbeat_check()
                last_check = time.monotonic()

    def _deliver(self, body: Any, message: kombu.Message) -> None:
        try:
            self._on_message(body, message)
        except Exception:  # a bad message must not cost us the connection
            LOG.exception("%s: failed to handle a message", self.name)


class ReplyWaiter:
    """The reply queue of one transport in this process, and the calls waiting on it."""

    def __init__(self, transport: Transport) -> None:
        self.queue_name = f"reply_{uuid.uuid4().hex}"
        self._lock = threading.Lock()
        self._waiting: dict[str, Future] = {}
        self._consumer = ConsumerThread(
            transport,
            f"rpc-reply-{self.queue_name[6:14]}",
            self._queues,
            self._on_reply,
            delete_on_stop=True,
        )
        self._consumer.start()
        self._consumer.first_attempt_done.wait(CONNECT_TIMEOUT * 2)

    def _queues(self) -> list[kombu.Queue]:
        return [reply_queue(self.queue_name)]

    def expect(self, msg_id: str) -> Future:
        future: Future = Future()
        with self._lock:
            self._waiting[msg_id] = future
        return future

    def forget(self, msg_id: str) -> None:
        with self._lock:
            self._waiting.pop(msg_id, None)

    def _on_reply(self, body: Any, message: kombu.Message) -> None:
        message.ack()
        msg_id = body.get("msg_id") if isinstance(body, dict) else None
        with self._lock:
            future = self._waiting.pop(msg_id, None)
        if future is None:
            LOG.debug("Dropping a reply nobody waits for any more (msg_id %s)", msg_id)
            return
        future.set_result(body)

    def stop(self) -> None:
        self._consumer.stop(timeout=CONNECT_TIMEOUT)


class Transport:
    """Everything one process needs to talk to one broker URL."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.driver, self._hosts = parse_url(url)
        self._host_index = 0
        self._lock = threading.Lock()
        self._pool = _ProducerPool(self, CONF.rpc_conn_pool_size)
        self._reply_lock = threading.Lock()  # not _lock: the waiter's thread connects
        self._reply_waiter: ReplyWaiter | None = None
        self._heartbeat_thread: threading.Thread | None = None
        self._closed = threading.Event()

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    @property
    def heartbeat_check_interval(self) -> float:
        """Seconds between heartbeat checks: several per heartbeat period, 0 = none."""
        if self.driver == "memory":
            return 0.0
        return _rabbit_conf().heartbeat_timeout_threshold / 4.0

    def retry_delay(self, attempt: int) -> float:
        conf = _rabbit_conf()
        wait = conf.rabbit_retry_interval + conf.rabbit_retry_backoff * attempt
        return max(0.0, min(wait, conf.rabbit_interval_max))

    def connect(self) -> kombu.Connection:
        """A new, connected kombu connection; the next host is tried after a failure."""
        if self.driver == "memory":
            conn = kombu.Connection(
                "memory://", transport_options={"polling_interval": _MEMORY_POLLING_INTERVAL}
            )
            conn.connect()
            return conn
        with self._lock:
            host = self._hosts[self._host_index % len(self._hosts)]
        conn = kombu.Connection(
            hostname=host.hostname,
            port=host.port,
            userid=host.userid,
            password=host.password,
            virtual_host=host.virtual_host,
            transport="pyamqp",
            heartbeat=_rabbit_conf().heartbeat_timeout_threshold,
            connect_timeout=CONNECT_TIMEOUT,
            transport_options={"confirm_publish": True},
        )
        try:
            conn.ensure_connection(max_retries=0)
        except Exception:
            _close_quietly(conn, clean=False)
            with self._lock:
                self._host_index += 1
            raise
        return conn

    def publish(
        self,
        exchange: kombu.Exchange | str,
        routing_key: str,
        payload: dict[str, Any],
        *,
        declare: tuple[kombu.Queue, ...] = (),
        persistent: bool = True,
        expiration: float | None = None,
        deadline: float | None = None,
    ) -> None:
        """Publish until the broker confirms, retrying with back-off.

        Without ``deadline`` (a ``time.monotonic()`` value) this blocks until it
        succeeds, which is what a cast needs to survive a broker restart; past the
        deadline it raises ``MessageDeliveryFailure``. ``declare`` lists queues to
        declare first so a message waits in them even when no server runs yet.
        Raises TypeError at once when the payload is not JSON-serializable.
        """
        body = kombu_json.dumps(payload)
        self._start_heartbeat()
        exchange_name = exchange if isinstance(exchange, str) else exchange.name
        destination = f"exchange {exchange_name or '(default)'} routing key {routing_key}"
        attempt = 0
        while True:
            if self.closed:
                raise exceptions.MessageDeliveryFailure(
                    destination=destination, reason="transport closed"
                )
            try:
                with self._pool.connection() as pooled:
                    if not isinstance(exchange, str):
                        pooled.declare(exchange)
                    for entity in declare:
                        pooled.declare(entity)
                    pooled.producer.publish(
                        body,
                        exchange=exchange,
                        routing_key=routing_key,
                        content_type="application/json",
                        content_encoding="utf-8",
                        delivery_mode=2 if persistent else 1,
                        expiration=expiration,
                        retry=False,
                    )
            except Exception as exc:  # broker trouble of any kind: retry on a new connection
                wait = self.retry_delay(attempt)
                attempt += 1
                if deadline is not None and time.monotonic() + wait > deadline:
                    raise exceptions.MessageDeliveryFailure(
                        destination=destination, reason=f"{type(exc).__name__}: {exc}"
                    ) from exc
                LOG.warning(
                    "Cannot publish to %s (%s: %s); retrying in %.1f s",
                    destination,
                    type(exc).__name__,
                    exc,
                    wait,
                )
                time.sleep(wait)
                continue
            if attempt:
                LOG.info("Published to %s after %d failed attempts", destination, attempt)
            return

    def reply_waiter(self) -> ReplyWaiter:
        with self._reply_lock:
            if self._reply_waiter is None:
                self._reply_waiter = ReplyWaiter(self)
            return self._reply_waiter

    def _start_heartbeat(self) -> None:
        if not self.heartbeat_check_interval or self._heartbeat_thread is not None:
            return
        with self._lock:
            if self._heartbeat_thread is None:
                self._heartbeat_thread = threading.Thread(
                    target=self._heartbeat_loop, name="rpc-producer-heartbeat", daemon=True
                )
                self._heartbeat_thread.start()

    def _heartbeat_loop(self) -> None:
        while not self._closed.wait(self.heartbeat_check_interval):
            self._pool.heartbeat()

    def close(self) -> None:
        self._closed.set()
        with self._reply_lock:
            waiter, self._reply_waiter = self._reply_waiter, None
        if waiter is not None:
            waiter.stop()
        self._pool.close()


_transports: dict[tuple[str, int], Transport] = {}
_transports_lock = threading.Lock()


def get_transport(url: str | None = None) -> Transport:
    """The transport for ``url`` (default ``transport_url``), one per URL per process.

    Keyed by pid too: a forked child must not touch its parent's sockets.
    """
    url = url or CONF.transport_url
    key = (url, os.getpid())
    with _transports_lock:
        transport = _transports.get(key)
        if transport is None or transport.closed:
            transport = _transports[key] = Transport(url)
        return transport


def cleanup() -> None:
    """Close every transport of this process (stops reply consumers, closes pools)."""
    with _transports_lock:
        mine = [t for (_, pid), t in _transports.items() if pid == os.getpid()]
        _transports.clear()
    for transport in mine:
        transport.close()


def _forget_parent_transports() -> None:
    global _transports_lock
    _transports_lock = threading.Lock()
    _transports.clear()


os.register_at_fork(after_in_child=_forget_parent_transports)
