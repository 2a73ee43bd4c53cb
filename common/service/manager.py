"""Base of every service's manager: the object the RPC server dispatches to."""

from __future__ import annotations

from typing import Any

from common.config import CONF
from common.service.periodic_task import PeriodicTasks


class Manager(PeriodicTasks):
    """A manager serves one topic on one host.

    Subclasses set ``target`` (an ``rpc.Target`` carrying the RPC API version they serve)
    and name their methods exactly as their ``rpcapi.py`` does.
    """

    target: Any = None

    def __init__(self, host: str | None = None, service_name: str | None = None) -> None:
        self.host = host or CONF.host
        self.service_name = service_name

    @property
    def additional_endpoints(self) -> list[Any]:
        """Other RPC endpoints served on the same topic (e.g. object indirection)."""
        return []

    def init_host(self) -> None:
        """Prepare the host before the RPC server starts consuming."""

    def post_start_hook(self) -> None:
        """Runs once the RPC server consumes: safe to send and receive messages now."""

    def cleanup_host(self) -> None:
        """Release what init_host took, after the RPC server has stopped."""

    def reset(self) -> None:
        """SIGHUP: drop caches that depend on configuration."""
