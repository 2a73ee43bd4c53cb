"""nova-conductor: object indirection for workers and build orchestration."""

from __future__ import annotations

from collections.abc import Sequence

from common.service.launcher import launch
from common.service.service import Service
from compute import objects
from compute.cmd.common import prepare
from compute.conductor import rpcapi
from compute.conductor.manager import ConductorManager


def main(argv: Sequence[str] | None = None) -> int:
    prepare(argv, "nova-conductor", needs_database=True)
    server = Service(
        "nova-conductor", rpcapi.TOPIC, ConductorManager(), service_record_cls=objects.Service
    )
    return launch([server], "nova-conductor")
