"""nova-scheduler: picks hosts for instances (``select_destinations`` comes with the
boot path); serves the ``scheduler`` topic."""

from __future__ import annotations

import logging

from common import rpc
from common.service.manager import Manager

LOG = logging.getLogger(__name__)


class SchedulerManager(Manager):
    target = rpc.Target(version="1.0")

    def __init__(self, host: str | None = None) -> None:
        super().__init__(host=host, service_name="scheduler")
