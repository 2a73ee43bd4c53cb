"""cinder-scheduler daemon."""

from __future__ import annotations

from collections.abc import Sequence

from blockstorage import objects
from blockstorage.cmd.common import prepare
from blockstorage.scheduler import rpcapi
from blockstorage.scheduler.manager import SchedulerManager
from common.service.launcher import launch
from common.service.service import Service


def main(argv: Sequence[str] | None = None) -> int:
    prepare(argv, "cinder-scheduler")
    server = Service(
        "cinder-scheduler", rpcapi.TOPIC, SchedulerManager(), service_record_cls=objects.Service
    )
    return launch([server], "cinder-scheduler")
