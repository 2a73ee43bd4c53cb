"""Periodic tasks: manager methods that run on a timer inside a service.

``@periodic_task(spacing=60)`` marks a method; ``PeriodicTasks.run_periodic_tasks``
runs whichever are due and returns how long the service may sleep. A task that raises
is logged and retried at its next turn: one bad run must not stop the others.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

LOG = logging.getLogger(__name__)

DEFAULT_SPACING = 60.0


def periodic_task(
    _fn: Callable[..., Any] | None = None,
    *,
    spacing: float | Callable[[], float | None] | None = None,
    run_immediately: bool = False,
    enabled: bool = True,
) -> Any:
    """Mark a manager method ``method(self, ctxt)`` to run every ``spacing`` seconds.

    ``spacing=None`` means ``CONF.periodic_interval``; ``spacing <= 0`` disables it
    (the way operators turn off e.g. the power-state sync with ``-1``). A callable is
    read at each run, so a spacing taken from an option follows a SIGHUP reload.
    """

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        fn._periodic_task = True  # type: ignore[attr-defined]
        fn._periodic_spacing = spacing  # type: ignore[attr-defined]
        fn._periodic_immediate = run_immediately  # type: ignore[attr-defined]
        fn._periodic_enabled = enabled  # type: ignore[attr-defined]
        return fn

    return decorate(_fn) if _fn is not None else decorate


class PeriodicTasks:
    """Mixin for managers: collects the decorated methods and runs the due ones."""

    def _periodic_tasks(self) -> list[tuple[str, Callable[..., Any], float]]:
        from common.config import CONF

        tasks = []
        for name in dir(type(self)):
            fn = getattr(type(self), name, None)
            if not getattr(fn, "_periodic_task", False) or not fn._periodic_enabled:
                continue
            spacing = fn._periodic_spacing
            if callable(spacing):
                spacing = spacing()
            if spacing is None:
                spacing = float(CONF.periodic_interval)
            if spacing <= 0:
                continue
            tasks.append((name, getattr(self, name), float(spacing)))
        return tasks

    def run_periodic_tasks(self, ctxt: Any) -> float:
        """Run every due task once; return seconds until the next one is due."""
        if not hasattr(self, "_periodic_last_run"):
            now = time.monotonic()
            self._periodic_last_run = {
                name: (None if getattr(type(self), name)._periodic_immediate else now)
                for name, _, _ in self._periodic_tasks()
            }
        idle = DEFAULT_SPACING
        for name, task, spacing in self._periodic_tasks():
            last = self._periodic_last_run.get(name)
            now = time.monotonic()
            if last is not None and now - last < spacing:
                idle = min(idle, spacing - (now - last))
                continue
            self._periodic_last_run[name] = now
            LOG.debug("running periodic task %s", name)
            try:
                task(ctxt)
            except Exception:
                LOG.exception("periodic task %s failed", name)
            idle = min(idle, spacing)
        return max(idle, 0.1)
