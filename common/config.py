"""Configuration shared by every Novella daemon.

All options live on the one global ``CONF`` (oslo.config), as in Nova and Cinder, so an
operator's existing nova.conf / cinder.conf works unchanged.  Each sub-package that owns
options keeps them in its own ``opts.py`` with a ``list_opts()``; this module registers
them all on import and aggregates them for oslo-config-generator.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence

from oslo_config import cfg

CONF = cfg.CONF

core_opts = [
    cfg.StrOpt(
        "host",
        default=socket.gethostname(),
        sample_default="<current_hostname>",
        help="Name of this node. Used as the server part of RPC topics (compute.<host>) "
        "and as the host column in the services table; must be unique per service.",
    ),
    cfg.StrOpt(
        "state_path",
        default="/var/lib/novella",
        help="Top-level directory for keeping local state (images, instances, locks).",
    ),
    cfg.IntOpt(
        "report_interval",
        default=10,
        min=1,
        help="Seconds between heartbeats a service writes into the services table.",
    ),
    cfg.IntOpt(
        "service_down_time",
        default=60,
        min=1,
        help="A service whose last heartbeat is older than this many seconds is shown down.",
    ),
    cfg.IntOpt(
        "periodic_interval",
        default=60,
        min=1,
        help="Default spacing in seconds of periodic tasks that do not set their own.",
    ),
    # Nova and Cinder both have this [DEFAULT] option; one process may load both
    # services' options, so it is declared once here. Cinder's default (unset) is applied
    # by blockstorage.conf.set_service_defaults().
    cfg.StrOpt(
        "default_availability_zone",
        default="nova",
        help="Nova: availability zone of compute hosts that are in no aggregate carrying "
        "availability_zone metadata. Cinder: availability zone of new volumes that name "
        "none (unset there, which means storage_availability_zone).",
    ),
    cfg.IntOpt(
        "graceful_shutdown_timeout",
        default=60,
        min=0,
        help="Seconds a service waits for in-flight RPC work to finish after SIGTERM.",
    ),
]


def _opt_modules():
    from common import log
    from common.db import opts as db_opts
    from common.rpc import opts as rpc_opts
    from common.service import opts as service_opts
    from common.wsgi import opts as wsgi_opts

    return [log, rpc_opts, db_opts, service_opts, wsgi_opts]


def list_opts() -> list[tuple[str, list[cfg.Opt]]]:
    """Options of the shared code, for oslo-config-generator (``novella.common``)."""
    result: list[tuple[str, list[cfg.Opt]]] = [("DEFAULT", list(core_opts))]
    for module in _opt_modules():
        result.extend(module.list_opts())
    return result


def register_opts(conf: cfg.ConfigOpts) -> None:
    for group, opts in list_opts():
        conf.register_opts(opts, group=None if group == "DEFAULT" else group)


def parse_args(
    argv: Sequence[str],
    project: str,
    default_config_files: Sequence[str] | None = None,
    conf: cfg.ConfigOpts = CONF,
) -> cfg.ConfigOpts:
    """Parse the command line and config files of a daemon or CLI.

    ``project`` is ``nova`` or ``cinder``; with no ``--config-file`` the usual
    ``/etc/<project>/<project>.conf`` is read when it exists, as the real services do.
    """
    conf(
        list(argv[1:]),
        project=project,
        default_config_files=default_config_files,
        validate_default_values=True,
    )
    return conf


register_opts(CONF)
