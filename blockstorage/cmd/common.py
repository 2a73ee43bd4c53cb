"""Start-up shared by the cinder-* daemons."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from common import config, log
from common.config import CONF


def prepare(argv: Sequence[str] | None, name: str) -> None:
    """Parse config with Cinder's defaults, set up logging, require the database."""
    import blockstorage.conf
    import blockstorage.objects  # noqa: F401  (registers Cinder's objects)

    blockstorage.conf.set_service_defaults()
    config.parse_args(list(argv) if argv is not None else sys.argv, "cinder")
    log.setup(CONF, name)
    if not CONF.database.connection:
        sys.stderr.write(f"{name}: [database] connection is not set in the configuration.\n")
        raise SystemExit(2)
