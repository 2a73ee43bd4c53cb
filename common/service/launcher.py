"""Runs services in the foreground of a daemon and reacts to signals.

SIGTERM / SIGINT: stop consuming, finish in-flight work, exit 0.
SIGHUP: re-read the config files, reconfigure logging, reset managers.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Sequence
from typing import Any

from common import log
from common.config import CONF

LOG = logging.getLogger(__name__)


class Launcher:
    def __init__(self, services: Sequence[Any], name: str) -> None:
        self.services = list(services)
        self.name = name
        self._stop = threading.Event()
        self._reload = threading.Event()

    def _on_stop(self, signum: int, frame: Any) -> None:
        LOG.info("caught %s, stopping", signal.Signals(signum).name)
        self._stop.set()
        for service in self.services:
            service.request_stop()

    def _on_hup(self, signum: int, frame: Any) -> None:
        self._reload.set()

    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGTERM, self._on_stop)
        signal.signal(signal.SIGINT, self._on_stop)
        signal.signal(signal.SIGHUP, self._on_hup)

    def run(self) -> int:
        """Start every service, block until told to stop, stop them; return 0."""
        from common import eventlet_runtime

        LOG.info(
            "%s starting on %s threads",
            self.name,
            "eventlet green" if eventlet_runtime.active() else "native",
        )
        self.install_signal_handlers()
        started = []
        try:
            for service in self.services:
                if self._stop.is_set():
                    break
                try:
                    service.start()
                except Exception:
                    if self._stop.is_set():
                        break  # interrupted while waiting for a peer: a clean stop
                    raise
                started.append(service)
            while not self._stop.is_set():
                self._stop.wait(0.5)
                if self._reload.is_set():
                    self._reload.clear()
                    self.reload()
        finally:
            for service in reversed(started):
                try:
                    service.stop()
                except Exception:
                    LOG.exception("error while stopping %s", service)
        LOG.info("%s exited cleanly", self.name)
        return 0

    def reload(self) -> None:
        LOG.info("SIGHUP: reloading configuration")
        CONF.reload_config_files()
        log.setup(CONF, self.name)
        for service in self.services:
            service.reset()


def launch(services: Sequence[Any], name: str) -> int:
    return Launcher(services, name).run()
