"""cinder-volume daemon: one service per backend of ``enabled_backends``.

Each backend is its own ``Service`` in this process, with its own manager, driver,
heartbeat row and RPC server, named ``<host>@<backend>`` and consuming
``cinder-volume.<host>@<backend>`` as Cinder's per-backend processes do. With no
``enabled_backends`` the driver options come from ``[DEFAULT]`` and the host is
plain ``<host>``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from blockstorage import objects
from blockstorage.cmd.common import prepare
from blockstorage.conf.volume import backend_names
from blockstorage.volume import rpcapi
from blockstorage.volume.manager import VolumeManager, backend_host
from common.config import CONF
from common.service.launcher import launch
from common.service.service import Service

LOG = logging.getLogger(__name__)


def build_services(backends: Sequence[str | None]) -> list[Service]:
    services = []
    for backend in backends:
        manager = VolumeManager(host=backend_host(backend), backend=backend)
        services.append(
            Service(
                "cinder-volume",
                rpcapi.TOPIC,
                manager,
                service_record_cls=objects.Service,
                host=manager.host,
            )
        )
    return services


def main(argv: Sequence[str] | None = None) -> int:
    prepare(argv, "cinder-volume")
    backends: list[str | None] = list(backend_names(CONF)) or [None]
    LOG.info("cinder-volume serving backends: %s", ", ".join(b or CONF.host for b in backends))
    return launch(build_services(backends), "cinder-volume")
