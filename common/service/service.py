"""The service runtime every daemon shares: RPC server + heartbeat + periodic tasks.

A ``Service`` serves one manager on ``topic`` (shared) and ``topic.host``. Its heartbeat
bumps ``report_count`` on the service's row through the service object's ``save()``, so a
worker's heartbeat travels through the conductor like every other database write.
"""

from __future__ import annotations

import logging
import random
import threading
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from common import context as context_mod
from common import exception, rpc
from common.config import CONF
from common.objects.serializer import ObjectSerializer
from common.service.manager import Manager
from common.service.servicegroup import utcnow

LOG = logging.getLogger(__name__)


class Service:
    """One daemon's service: ``Service('nova-conductor', 'conductor', ConductorManager(),
    service_record_cls=objects.Service)``.

    ``service_record_cls`` is the versioned object of the service's ``services`` table
    (Nova's or Cinder's): it must offer ``get_by_host_and_binary``, ``create`` and
    ``save`` and the fields host, binary, topic, report_count.
    """

    def __init__(
        self,
        binary: str,
        topic: str,
        manager: Manager,
        *,
        service_record_cls: Any,
        host: str | None = None,
        report_interval: float | None = None,
        periodic_enable: bool | None = None,
        transport: rpc.Transport | None = None,
        serializer: rpc.Serializer | None = None,
    ) -> None:
        self.binary = binary
        self.topic = topic
        self.manager = manager
        self.host = host or manager.host or CONF.host
        self.service_record_cls = service_record_cls
        self.report_interval = report_interval or CONF.report_interval
        self.periodic_enable = CONF.periodic_enable if periodic_enable is None else periodic_enable
        self._transport = transport
        self._serializer = serializer or ObjectSerializer()
        self.service_ref: Any = None
        self.rpcserver: rpc.RPCServer | None = None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def __repr__(self) -> str:
        return f"<Service {self.binary} on {self.host} topic={self.topic}>"

    # -- life cycle --------------------------------------------------------------------
    def start(self) -> None:
        LOG.info("starting %s on %s", self.binary, self.host)
        self.manager.init_host()
        self.service_ref = self._register()
        target = rpc.Target(topic=self.topic, server=self.host)
        endpoints = [self.manager, *self.manager.additional_endpoints]
        self.rpcserver = rpc.RPCServer(
            self._transport or rpc.get_transport(),
            target,
            endpoints,
            serializer=self._serializer,
        )
        self.rpcserver.start()
        self.manager.post_start_hook()
        self._spawn(self._heartbeat_loop, "heartbeat")
        if self.periodic_enable:
            self._spawn(self._periodic_loop, "periodic")
        LOG.info("%s on %s is serving topic %s", self.binary, self.host, self.topic)

    def stop(self, graceful_timeout: float | None = None) -> None:
        """Stop consuming, let in-flight calls finish (bounded), stop the timers."""
        timeout = CONF.graceful_shutdown_timeout if graceful_timeout is None else graceful_timeout
        LOG.info("stopping %s on %s", self.binary, self.host)
        self._stop.set()
        if self.rpcserver is not None:
            self.rpcserver.stop()
            with ThreadPoolExecutor(1) as pool:
                try:
                    pool.submit(self.rpcserver.wait).result(timeout=timeout or None)
                except FutureTimeout:
                    LOG.warning("in-flight RPC work still running after %ss; exiting", timeout)
        for thread in self._threads:
            thread.join(timeout=5)
        self.manager.cleanup_host()
        LOG.info("%s on %s stopped", self.binary, self.host)

    def request_stop(self) -> None:
        """Called from a signal handler: make any start-up wait give up."""
        self._stop.set()

    def reset(self) -> None:
        self.manager.reset()

    # -- service record and heartbeat -------------------------------------------------
    def _register(self) -> Any:
        """Find or create this service's row; wait for the conductor if it is not up."""
        ctxt = context_mod.get_admin_context()
        delay = 1.0
        while True:
            try:
                return self._get_or_create(ctxt)
            except rpc.MessagingTimeout:
                LOG.warning("no answer from the conductor yet; retrying in %.0fs", delay)
                if self._stop.wait(delay):
                    raise
                delay = min(delay * 2, 30.0)

    def _get_or_create(self, ctxt: Any) -> Any:
        cls = self.service_record_cls
        try:
            return cls.get_by_host_and_binary(ctxt, self.host, self.binary)
        except exception.NotFound:
            pass
        record = cls(ctxt, host=self.host, binary=self.binary, topic=self.topic, report_count=0)
        try:
            record.create()
        except exception.Conflict:
            return cls.get_by_host_and_binary(ctxt, self.host, self.binary)
        return record

    def report_state(self) -> None:
        """One heartbeat: the row's report_count and last_seen_up move forward."""
        record = self.service_ref
        record.report_count = record.report_count + 1
        if "last_seen_up" in record.fields:
            record.last_seen_up = utcnow()
        record.save()

    def _heartbeat_loop(self) -> None:
        while True:
            try:
                self.report_state()
            except Exception as exc:
                LOG.warning("heartbeat of %s failed: %s", self.binary, exc)
            if self._stop.wait(self.report_interval):
                return

    def _periodic_loop(self) -> None:
        ctxt = context_mod.get_admin_context()
        delay = random.uniform(0, CONF.periodic_fuzzy_delay) if CONF.periodic_fuzzy_delay else 0
        while not self._stop.wait(delay):
            delay = self.manager.run_periodic_tasks(ctxt)

    def _spawn(self, fn: Any, name: str) -> None:
        thread = threading.Thread(target=fn, name=f"{self.binary}-{name}", daemon=True)
        thread.start()
        self._threads.append(thread)
