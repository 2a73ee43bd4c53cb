"""nova-all: every compute service in one process, for a laptop or a demo.

The embedded default needs nothing installed: the bus is ``memory://`` and the database
an SQLite file under ``state_path`` (migrated at start), unless the config says
otherwise. The API, conductor, scheduler and one compute host run side by side; the
compute host uses the database directly here, since it shares the process anyway.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence

from common.config import CONF
from common.service.launcher import launch
from common.service.service import Service
from common.wsgi import loader
from common.wsgi.server import ThreadedWSGIService
from compute import objects
from compute.cmd.common import prepare
from compute.conductor import rpcapi as conductor_rpcapi
from compute.conductor.manager import ConductorManager
from compute.scheduler import rpcapi as scheduler_rpcapi
from compute.scheduler.manager import SchedulerManager
from compute.worker import rpcapi as compute_rpcapi
from compute.worker.manager import ComputeManager

LOG = logging.getLogger(__name__)


def _embedded_defaults() -> None:
    CONF.set_default("transport_url", "memory://")
    CONF.set_default("compute_driver", "fake.FakeDriver")


def main(argv: Sequence[str] | None = None) -> int:
    _embedded_defaults()
    prepare(argv, "nova-all", needs_database=False)
    if not CONF.database.connection:
        os.makedirs(CONF.state_path, exist_ok=True)
        CONF.set_override(
            "connection", f"sqlite:///{os.path.join(CONF.state_path, 'nova.sqlite')}", "database"
        )
    from common.db import migration
    from compute.db import api as db_api

    migration.db_sync(CONF.database.connection, db_api.MIGRATIONS)
    app = loader.load_app("osapi_compute", project="nova")
    services = [
        Service(
            "nova-conductor",
            conductor_rpcapi.TOPIC,
            ConductorManager(),
            service_record_cls=objects.Service,
        ),
        Service(
            "nova-scheduler",
            scheduler_rpcapi.TOPIC,
            SchedulerManager(),
            service_record_cls=objects.Service,
        ),
        Service(
            "nova-compute",
            compute_rpcapi.TOPIC,
            ComputeManager(),
            service_record_cls=objects.Service,
        ),
        ThreadedWSGIService(
            "osapi_compute", app, CONF.osapi_compute_listen, CONF.osapi_compute_listen_port
        ),
    ]
    LOG.info(
        "nova-all: API on %s:%s, bus %s, database %s",
        CONF.osapi_compute_listen,
        services[-1].port,
        CONF.transport_url,
        CONF.database.connection,
    )
    return launch(services, "nova-all")
