"""nova-api: serve the Compute API (OpenStack Compute v2.1) on osapi_compute_listen."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

import compute.conf  # noqa: F401  registers the compute options
from common import config, log
from common.config import CONF
from common.wsgi import loader, server

LOG = logging.getLogger(__name__)

APP_NAME = "osapi_compute"


def main(argv: Sequence[str] | None = None) -> int:
    config.parse_args(sys.argv if argv is None else argv, "nova")
    log.setup(CONF, "nova")
    # The app is loaded before the workers fork and opens no RPC connection itself.
    app = loader.load_app(APP_NAME, project="nova")
    return server.serve(
        APP_NAME,
        app,
        CONF.osapi_compute_listen,
        CONF.osapi_compute_listen_port,
        CONF.osapi_compute_workers,
    )
