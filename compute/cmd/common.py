"""Start-up shared by the nova-* daemons."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from common import config, log
from common.config import CONF


def prepare(argv: Sequence[str] | None, name: str, *, needs_database: bool) -> None:
    """Parse config, set up logging, and refuse to start without what the daemon needs."""
    import compute.conf  # noqa: F401  (registers Nova's options)
    import compute.objects  # noqa: F401  (registers Nova's objects)

    config.parse_args(list(argv) if argv is not None else sys.argv, "nova")
    log.setup(CONF, name)
    if needs_database and not CONF.database.connection:
        sys.stderr.write(
            f"{name}: [database] connection is not set in the configuration; "
            "this service needs the database.\n"
        )
        raise SystemExit(2)
