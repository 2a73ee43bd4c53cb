"""nova-scheduler: chooses compute hosts for new instances."""

from __future__ import annotations

from collections.abc import Sequence

from common.service.launcher import launch
from common.service.service import Service
from compute import objects
from compute.cmd.common import prepare
from compute.scheduler import rpcapi
from compute.scheduler.manager import SchedulerManager


def main(argv: Sequence[str] | None = None) -> int:
    prepare(argv, "nova-scheduler", needs_database=True)
    server = Service(
        "nova-scheduler", rpcapi.TOPIC, SchedulerManager(), service_record_cls=objects.Service
    )
    return launch([server], "nova-scheduler")
