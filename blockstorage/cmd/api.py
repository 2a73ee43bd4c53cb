"""cinder-api: serve the Block Storage API (v3) on osapi_volume_listen."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

import blockstorage.conf
from common import config, log
from common.config import CONF
from common.wsgi import loader, server

LOG = logging.getLogger(__name__)

APP_NAME = "osapi_volume"


def main(argv: Sequence[str] | None = None) -> int:
    blockstorage.conf.set_service_defaults()
    config.parse_args(sys.argv if argv is None else argv, "cinder")
    log.setup(CONF, "cinder")
    # The app is loaded before the workers fork and opens no RPC connection itself.
    app = loader.load_app(APP_NAME, project="cinder")
    return server.serve(
        APP_NAME,
        app,
        CONF.osapi_volume_listen,
        CONF.osapi_volume_listen_port,
        CONF.osapi_volume_workers,
    )
