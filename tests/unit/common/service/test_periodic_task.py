"""Periodic tasks run when due, survive a failing run and honour disabled spacing."""

from __future__ import annotations

import time

from common.service.periodic_task import PeriodicTasks, periodic_task


class Tasks(PeriodicTasks):
    def __init__(self):
        self.calls: list[str] = []

    @periodic_task(spacing=0.05, run_immediately=True)
    def _fast(self, ctxt):
        self.calls.append("fast")

    @periodic_task(spacing=100)
    def _slow(self, ctxt):
        self.calls.append("slow")

    @periodic_task(spacing=0.05, run_immediately=True)
    def _broken(self, ctxt):
        self.calls.append("broken")
        raise RuntimeError("boom")

    @periodic_task(spacing=-1)
    def _disabled(self, ctxt):
        self.calls.append("disabled")


def test_due_tasks_run_and_failures_do_not_stop_the_others():
    tasks = Tasks()
    idle = tasks.run_periodic_tasks(None)
    assert sorted(tasks.calls) == ["broken", "fast"]
    assert 0 < idle <= 0.1  # never busy-loops below 0.1 s
    time.sleep(0.06)
    tasks.run_periodic_tasks(None)
    assert tasks.calls.count("fast") == 2 and tasks.calls.count("broken") == 2
    assert "slow" not in tasks.calls and "disabled" not in tasks.calls
