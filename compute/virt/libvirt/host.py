"""The compute host's one libvirt connection, and what libvirt says about the host.

The connection is opened on first use and shared by every thread of nova-compute. It
survives a restart of libvirtd: a close callback (run by libvirt's event loop, in its own
thread) forgets a connection the daemon dropped, keepalive probes notice a daemon that
stopped answering, and a call that fails because the connection broke is tried once
more on a fresh connection. Nothing has to restart nova-compute.

Every libvirt call goes through ``Host.call``: it runs on a small thread pool and the
caller waits at most ``[libvirt] call_timeout`` seconds, so a hung libvirtd turns into a
``HypervisorUnavailable`` error for that request instead of a thread (RPC worker or
periodic task) frozen forever. libvirt-python releases the GIL while it waits, so calls
in flight never stop the service's other threads.
"""

from __future__ import annotations

import concurrent.futures
import logging
import os
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any, TypeVar

import libvirt

from compute import exception
from compute.virt.libvirt import config as vconfig

LOG = logging.getLogger(__name__)

T = TypeVar("T")

_POOL_SIZE = 16
_KEEPALIVE_INTERVAL = 5  # seconds between probes
_KEEPALIVE_COUNT = 3  # unanswered probes before libvirt closes the connection

_event_loop_lock = threading.Lock()
_event_loop_started = False


def _start_event_loop() -> None:
    """libvirt's default event loop in a daemon thread (once per process): it runs the
    close callbacks and the keepalive probes. It must exist before a connection opens."""
    global _event_loop_started
    with _event_loop_lock:
        if _event_loop_started:
            return
        # libvirt prints every error on stderr by default; ours are raised and logged.
        libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
        libvirt.virEventRegisterDefaultImpl()

        def run() -> None:
            while True:
                try:
                    libvirt.virEventRunDefaultImpl()
                except Exception:  # never let the loop die: callbacks depend on it
                    LOG.exception("libvirt event loop iteration failed")

        threading.Thread(target=run, name="libvirt-events", daemon=True).start()
        _event_loop_started = True


def is_connection_error(exc: libvirt.libvirtError) -> bool:
    """True when ``exc`` says the connection to libvirtd is broken (not the request)."""
    code = exc.get_error_code()
    domain = exc.get_error_domain()
    return code in (libvirt.VIR_ERR_NO_CONNECT, libvirt.VIR_ERR_INVALID_CONN) or (
        code in (libvirt.VIR_ERR_SYSTEM_ERROR, libvirt.VIR_ERR_INTERNAL_ERROR)
        and domain in (libvirt.VIR_FROM_REMOTE, libvirt.VIR_FROM_RPC)
    )


def is_no_domain(exc: libvirt.libvirtError) -> bool:
    return exc.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN


class Host:
    """The shared connection to ``uri`` (see the module docstring)."""

    def __init__(self, uri: str, call_timeout: float = 120.0, hostname: str = "") -> None:
        self.uri = uri
        self.call_timeout = call_timeout
        # Only for messages: the compute service's host name.
        self._service_host = hostname or uri
        self._lock = threading.Lock()
        self._conn: libvirt.virConnect | None = None
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=_POOL_SIZE, thread_name_prefix="libvirt-call"
        )
        self.reconnects = 0  # how many times a broken connection was replaced

    # -- the connection -------------------------------------------------------------
    def get_connection(self) -> libvirt.virConnect:
        """The open connection, opening one if there is none (or it died)."""
        with self._lock:
            conn = self._conn
            if conn is not None:
                try:
                    if conn.isAlive():
                        return conn
                except libvirt.libvirtError:
                    pass
                LOG.warning("The libvirt connection to %s is dead; reconnecting", self.uri)
                self._conn = None
                self.reconnects += 1
                try:
                    conn.close()
                except libvirt.libvirtError:
                    pass
            self._conn = self._open()
            return self._conn

    def _open(self) -> libvirt.virConnect:
        _start_event_loop()
        try:
            conn = libvirt.open(self.uri)
        except libvirt.libvirtError as exc:
            LOG.error("Cannot connect to libvirt at %s: %s", self.uri, exc)
            raise exception.HypervisorUnavailable(host=self._service_host) from exc
        try:
            conn.registerCloseCallback(self._closed, None)
        except libvirt.libvirtError as exc:
            LOG.debug("%s has no close callbacks: %s", self.uri, exc)
        try:
            conn.setKeepAlive(_KEEPALIVE_INTERVAL, _KEEPALIVE_COUNT)
        except libvirt.libvirtError as exc:
            LOG.debug("%s has no keepalive: %s", self.uri, exc)
        LOG.info("Connected to libvirt at %s", self.uri)
        return conn

    def _closed(self, conn: libvirt.virConnect, reason: int, opaque: Any) -> None:
        """libvirt's close callback: the daemon went away (restart, crash, keepalive)."""
        LOG.warning("libvirt closed the connection to %s (reason %s)", self.uri, reason)
        with self._lock:
            if self._conn is conn:
                self._conn = None
                self.reconnects += 1

    def _forget(self, conn: libvirt.virConnect) -> None:
        with self._lock:
            if self._conn is conn:
                self._conn = None
                self.reconnects += 1
        try:
            conn.close()
        except libvirt.libvirtError:
            pass

    def close(self) -> None:
        with self._lock:
            conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.unregisterCloseCallback()
            except libvirt.libvirtError:
                pass
            try:
                conn.close()
            except libvirt.libvirtError:
                pass

    # -- calls ----------------------------------------------------------------------
    def call(self, func: Callable[[libvirt.virConnect], T], timeout: float | None = None) -> T:
        """Run ``func(connection)`` on the pool; wait ``timeout`` (default call_timeout).

        A broken connection is replaced and ``func`` tried once more. libvirt errors
        other than that propagate as ``libvirt.libvirtError``.
        """
        future = self._pool.submit(self._run, func)
        try:
            return future.result(timeout=timeout or self.call_timeout)
        except concurrent.futures.TimeoutError:
            LOG.error(
                "A libvirt call to %s took over %.0fs; reporting the hypervisor unavailable",
                self.uri,
                timeout or self.call_timeout,
            )
            raise exception.HypervisorUnavailable(host=self._service_host) from None

    def _run(self, func: Callable[[libvirt.virConnect], T]) -> T:
        conn = self.get_connection()
        try:
            return func(conn)
        except libvirt.libvirtError as exc:
            if not (is_connection_error(exc) or not _alive(conn)):
                raise
            LOG.warning("libvirt connection to %s broke (%s); retrying once", self.uri, exc)
            self._forget(conn)
        return func(self.get_connection())

    def domain_call(
        self,
        instance_uuid: str,
        func: Callable[[libvirt.virDomain], T],
        timeout: float | None = None,
    ) -> T:
        """Look the domain of ``instance_uuid`` up and run ``func(domain)``;
        ``InstanceNotFound`` when it has no domain."""

        def run(conn: libvirt.virConnect) -> T:
            return func(conn.lookupByUUIDString(instance_uuid))

        try:
            return self.call(run, timeout=timeout)
        except libvirt.libvirtError as exc:
            if is_no_domain(exc):
                raise exception.InstanceNotFound(instance_id=instance_uuid) from None
            raise

    # -- guests ---------------------------------------------------------------------
    def list_guests(self) -> list[tuple[str, str]]:
        """``(uuid, name)`` of every domain this driver defined (Nova's metadata)."""

        def run(conn: libvirt.virConnect) -> list[tuple[str, str]]:
            found = []
            for dom in conn.listAllDomains(0):
                try:
                    if vconfig.is_ours(dom.XMLDesc(0)):
                        found.append((dom.UUIDString(), dom.name()))
                except libvirt.libvirtError as exc:
                    if not is_no_domain(exc):  # gone meanwhile: not listed
                        raise
            return found

        return self.call(run)

    # -- the host -------------------------------------------------------------------
    def get_hostname(self) -> str:
        return self.call(lambda conn: conn.getHostname())

    def get_version(self) -> int:
        return int(self.call(lambda conn: conn.getVersion()))

    def get_type(self) -> str:
        return str(self.call(lambda conn: conn.getType()))

    def get_node_info(self) -> tuple[str, int, int]:
        """(arch, memory MB, logical CPUs) of the host."""
        info = self.call(lambda conn: conn.getInfo())
        return str(info[0]), int(info[1]), int(info[2])

    def get_cpu_info(self) -> dict[str, Any]:
        """Nova's cpu_info: arch, model, vendor, topology, features of the host CPU."""
        caps = ET.fromstring(self.call(lambda conn: conn.getCapabilities()))
        cpu = caps.find("./host/cpu")
        info: dict[str, Any] = {"arch": "", "model": "", "vendor": "", "features": []}
        if cpu is None:
            return info
        info["arch"] = cpu.findtext("arch") or ""
        info["model"] = cpu.findtext("model") or ""
        info["vendor"] = cpu.findtext("vendor") or ""
        topology = cpu.find("topology")
        if topology is not None:
            info["topology"] = {
                key: int(topology.get(key, "1")) for key in ("sockets", "cores", "threads")
            }
        info["features"] = sorted(f.get("name", "") for f in cpu.findall("feature"))
        return info

    def get_memory_mb_used(self) -> int:
        """Memory in use on the host (Nova reads /proc/meminfo the same way)."""
        try:
            with open("/proc/meminfo") as meminfo:
                values = {
                    line.split(":")[0]: int(line.split()[1]) for line in meminfo if ":" in line
                }
        except (OSError, ValueError, IndexError):
            return 0
        total = values.get("MemTotal", 0)
        available = values.get("MemAvailable", values.get("MemFree", 0))
        return (total - available) // 1024

    @staticmethod
    def get_local_gb_info(path: str) -> dict[str, int]:
        """Total, used and free GB of the file system holding ``path``."""
        os.makedirs(path, exist_ok=True)
        stat = os.statvfs(path)
        total = stat.f_frsize * stat.f_blocks
        free = stat.f_frsize * stat.f_bavail
        gib = 1024**3
        return {"total": total // gib, "used": (total - free) // gib, "free": free // gib}


def _alive(conn: libvirt.virConnect) -> bool:
    try:
        return bool(conn.isAlive())
    except libvirt.libvirtError:
        return False
