"""nova-compute: the per-host worker. It never opens a database connection."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from common.config import CONF
from common.objects.indirection import use_conductor
from common.service.launcher import launch
from common.service.service import Service
from compute import objects
from compute.cmd.common import prepare
from compute.conductor import rpcapi as conductor_rpcapi
from compute.worker import rpcapi
from compute.worker.manager import ComputeManager

LOG = logging.getLogger(__name__)


def main(argv: Sequence[str] | None = None) -> int:
    prepare(argv, "nova-compute", needs_database=False)
    if CONF.database.connection:
        LOG.warning("[database] connection is ignored: nova-compute uses nova-conductor")
    use_conductor(conductor_rpcapi.TOPIC)
    server = Service(
        "nova-compute", rpcapi.TOPIC, ComputeManager(), service_record_cls=objects.Service
    )
    return launch([server], "nova-compute")
