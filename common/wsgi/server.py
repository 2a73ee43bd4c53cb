"""A threaded WSGI server with N worker processes (waitress in each worker).

The parent binds the listening socket once (port 0 allowed: :attr:`WSGIServer.port`
is the real one), loads nothing itself beyond the app it was given, and forks
``workers`` children that all accept on that socket, each with a waitress thread pool
of ``[wsgi] default_pool_size``.  The parent restarts a worker that dies; on SIGTERM
(or SIGINT) it stops accepting, asks the workers to finish their in-flight requests
and exits 0; SIGHUP reloads logging everywhere.  ``workers=1`` serves in-process.

Fork before any RPC transport exists: kombu connections must not be shared across a
fork.  API apps create their RPC clients lazily (on the first request, in the worker),
and transports are cached per pid anyway, so loading the app before forking is safe.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from waitress import wasyncore
from waitress.server import create_server

from common import log
from common.config import CONF

LOG = logging.getLogger(__name__)

_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
_PARENT_SIGNALS = {signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGCHLD}

# A worker that dies sooner than this after its start is restarted only after a pause,
# so a worker crashing at start-up does not turn into a fork loop.
_MIN_WORKER_LIFETIME = 1.0


def _reload_logging(name: str) -> None:
    try:
        CONF.mutate_config_files()
    except Exception:  # a broken file must not kill a running server
        LOG.exception("Could not reload the configuration files")
    log.setup(CONF, name)
    LOG.info("Logging reloaded (SIGHUP)")


class _Worker:
    """One process's waitress server on the shared socket, with a graceful stop."""

    def __init__(self, name: str, app: Any, sock: socket.socket, threads: int) -> None:
        self.name = name
        self.server = create_server(
            app,
            sockets=[sock],
            threads=threads,
            # 0 means "never time out" in Nova's option.
            channel_timeout=CONF.wsgi.client_socket_timeout or 10**9,
            ident="novella",
            clear_untrusted_proxy_headers=False,
        )
        self.stop_requested = False
        self.reload_requested = False

    def request_stop(self, *_args: Any) -> None:
        self.stop_requested = True

    def request_reload(self, *_args: Any) -> None:
        self.reload_requested = True

    def _busy(self) -> bool:
        dispatcher = self.server.task_dispatcher
        if dispatcher.queue or dispatcher.active_count > 0:
            return True
        busy = False
        for channel in list(self.server.active_channels.values()):
            if channel.requests or channel.total_outbufs_len or channel.request is not None:
                busy = True
            elif not channel.will_close:
                channel.will_close = True  # an idle keep-alive connection: close it
                busy = True
        return busy

    def run(self, parent_pid: int | None = None) -> int:
        """Serve until asked to stop, then drain in-flight requests; returns 0."""
        socket_map = self.server._map
        deadline = None
        while True:
            wasyncore.loop(timeout=0.2, map=socket_map, use_poll=True, count=1)
            if self.reload_requested:
                self.reload_requested = False
                _reload_logging(self.name)
            if parent_pid is not None and os.getppid() != parent_pid:
                LOG.warning("Parent process is gone; stopping")
                self.stop_requested = True
            if self.stop_requested:
                if deadline is None:
                    LOG.info("Stopping: no new connections, finishing in-flight requests")
                    self.server.accepting = False
                    deadline = time.monotonic() + CONF.graceful_shutdown_timeout
                if not self._busy():
                    break
                if time.monotonic() > deadline:
                    LOG.warning("Graceful shutdown timed out; dropping open requests")
                    break
        self.server.task_dispatcher.shutdown(cancel_pending=True, timeout=1)
        return 0


class ThreadedWSGIService:
    """An API served from a thread of a process that runs other services too (nova-all).

    It has the life cycle of ``common.service.service.Service`` (start / stop /
    request_stop / reset), so the launcher runs it beside the RPC services and owns the
    signals; workers are threads only, never forked processes.
    """

    def __init__(self, name: str, app: Any, host: str, port: int) -> None:
        self.name = name
        self.server = WSGIServer(name, app, host, port, workers=1)
        self.port = self.server.port
        self._worker: _Worker | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._worker = _Worker(self.name, self.server.app, self.server.socket, self.server.threads)
        self._thread = threading.Thread(target=self._worker.run, name=self.name, daemon=True)
        self._thread.start()

    def request_stop(self) -> None:
        if self._worker is not None:
            self._worker.request_stop()

    def stop(self, graceful_timeout: float | None = None) -> None:
        self.request_stop()
        if self._thread is not None:
            self._thread.join(timeout=(graceful_timeout or CONF.graceful_shutdown_timeout) + 2)
        self.server.socket.close()

    def reset(self) -> None:
        """Nothing to reset: the launcher reloads configuration and logging."""


class WSGIServer:
    """Serve ``app`` on ``host:port`` with ``workers`` processes."""

    def __init__(
        self,
        name: str,
        app: Any,
        host: str = "0.0.0.0",
        port: int = 0,
        workers: int = 1,
        threads: int | None = None,
        backlog: int = 128,
    ) -> None:
        self.name = name
        self.app = app
        self.workers = max(1, workers)
        self.threads = threads or CONF.wsgi.default_pool_size
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.socket = socket.socket(family, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind((host, port))
        self.socket.listen(backlog)
        self.host = host
        self.port: int = self.socket.getsockname()[1]
        self.children: dict[int, float] = {}  # pid -> start time
        self._stopping = False
        LOG.info("%s listening on %s:%s with %d worker(s)", name, host, self.port, self.workers)

    # -- in-process (workers == 1) ------------------------------------------------
    def _serve_in_process(self) -> int:
        worker = _Worker(self.name, self.app, self.socket, self.threads)
        for signum in _STOP_SIGNALS:
            signal.signal(signum, worker.request_stop)
        signal.signal(signal.SIGHUP, worker.request_reload)
        code = worker.run()
        self.socket.close()
        LOG.info("%s stopped", self.name)
        return code

    # -- multi-process ----------------------------------------------------------------
    def _child_main(self, parent_pid: int) -> None:
        code = 1
        try:
            # Signals are still blocked (inherited mask): install the handlers first
            # so a SIGTERM sent right after the fork is not lost or fatal.
            worker = _Worker(self.name, self.app, self.socket, self.threads)
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides
            signal.signal(signal.SIGTERM, worker.request_stop)
            signal.signal(signal.SIGHUP, worker.request_reload)
            signal.pthread_sigmask(signal.SIG_SETMASK, set())
            LOG.info("%s worker %d started", self.name, os.getpid())
            code = worker.run(parent_pid)
            LOG.info("%s worker %d stopped", self.name, os.getpid())
        except BaseException:
            LOG.exception("%s worker %d crashed", self.name, os.getpid())
        finally:
            logging.shutdown()
            os._exit(code)

    def _spawn(self) -> None:
        parent_pid = os.getpid()
        pid = os.fork()
        if pid == 0:
            self._child_main(parent_pid)
        self.children[pid] = time.monotonic()

    def _reap(self) -> list[int]:
        dead = []
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            if pid in self.children:
                started = self.children.pop(pid)
                dead.append(pid)
                if not self._stopping:
                    LOG.warning(
                        "%s worker %d exited (status %s) after %.1fs; restarting",
                        self.name,
                        pid,
                        os.waitstatus_to_exitcode(status),
                        time.monotonic() - started,
                    )
                    if time.monotonic() - started < _MIN_WORKER_LIFETIME:
                        time.sleep(_MIN_WORKER_LIFETIME)
        return dead

    def _signal_children(self, signum: int) -> None:
        for pid in list(self.children):
            try:
                os.kill(pid, signum)
            except ProcessLookupError:
                pass

    def _stop_children(self) -> None:
        self._stopping = True
        self.socket.close()
        self._signal_children(signal.SIGTERM)
        deadline = time.monotonic() + CONF.graceful_shutdown_timeout + 5
        while self.children and time.monotonic() < deadline:
            self._reap()
            if self.children:
                signal.sigtimedwait([signal.SIGCHLD], 0.2)
        if self.children:
            LOG.warning("Killing %d worker(s) that did not stop", len(self.children))
            self._signal_children(signal.SIGKILL)
            while self.children:
                pid, _status = os.waitpid(-1, 0)
                self.children.pop(pid, None)

    def _serve_forked(self) -> int:
        # Signals are taken synchronously with sigtimedwait: no handler can run in
        # the middle of a fork or a waitpid.
        signal.pthread_sigmask(signal.SIG_BLOCK, _PARENT_SIGNALS)
        try:
            while not self._stopping:
                while len(self.children) < self.workers:
                    self._spawn()
                info = signal.sigtimedwait(_PARENT_SIGNALS, 1.0)
                if info is None:
                    self._reap()
                    continue
                if info.si_signo in _STOP_SIGNALS:
                    LOG.info("%s: signal %d, stopping workers", self.name, info.si_signo)
                    break
                if info.si_signo == signal.SIGHUP:
                    _reload_logging(self.name)
                    self._signal_children(signal.SIGHUP)
                self._reap()
            self._stop_children()
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, _PARENT_SIGNALS)
        LOG.info("%s stopped", self.name)
        return 0

    def serve(self) -> int:
        """Serve until SIGTERM/SIGINT; returns the exit status (0 on a clean stop)."""
        if self.workers == 1:
            return self._serve_in_process()
        return self._serve_forked()


def serve(
    name: str,
    app: Any,
    host: str,
    port: int,
    workers: int | None,
    ready: Callable[[WSGIServer], None] | None = None,
) -> int:
    """Bind, fork ``workers`` (default: the CPU count) and serve until stopped."""
    server = WSGIServer(name, app, host, port, workers or os.cpu_count() or 1)
    if ready is not None:
        ready(server)
    return server.serve()
