"""cinder-scheduler: picks a volume backend for new volumes (filters and weighers arrive
with block storage); serves the ``cinder-scheduler`` topic."""

from __future__ import annotations

from common import rpc
from common.service.manager import Manager


class SchedulerManager(Manager):
    target = rpc.Target(version="1.0")

    def __init__(self, host: str | None = None) -> None:
        super().__init__(host=host, service_name="scheduler")
