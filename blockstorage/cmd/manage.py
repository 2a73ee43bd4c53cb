"""cinder-manage: the operator's tool for the cinder database and the services table.

    cinder-manage [--config-file cinder.conf] db sync [VERSION]
    cinder-manage db version
    cinder-manage service list
    cinder-manage service remove BINARY HOST

``service list`` prints Cinder's fixed-width table, with Cinder's state marks: ``:-)``
for a service whose heartbeat (``updated_at``) is recent, ``XXX`` otherwise.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from oslo_config import cfg

import blockstorage.conf
from blockstorage.db import api as db
from common import exception, log
from common.config import CONF
from common.context import get_admin_context
from common.db import cli
from common.service import servicegroup

LIST_FORMAT = "%-16s %-36s %-16s %-10s %-5s %-20s %-12s %-15s %-36s"
LIST_HEADINGS = (
    "Binary",
    "Host",
    "Zone",
    "Status",
    "State",
    "Updated At",
    "RPC Version",
    "Object Version",
    "Cluster",
)


def _database_url() -> str:
    if not CONF.database.connection:
        raise exception.DBNotConfigured(reason="[database] connection is not set")
    return CONF.database.connection


def service_rows() -> list[tuple[str, ...]]:
    """One tuple per live service, in the columns of ``LIST_HEADINGS``."""
    rows = []
    for svc in db.service_get_all(get_admin_context()):
        up = servicegroup.is_up(None, svc.updated_at, svc.created_at)
        updated = svc.updated_at.strftime("%Y-%m-%d %H:%M:%S") if svc.updated_at else ""
        rows.append(
            (
                svc.binary or "",
                svc.host or "",
                svc.availability_zone or "",
                "disabled" if svc.disabled else "enabled",
                ":-)" if up else "XXX",
                updated,
                svc.rpc_current_version or "",
                svc.object_current_version or "",
                svc.cluster_name or "",
            )
        )
    return rows


def service_list() -> int:
    cli.out((LIST_FORMAT % LIST_HEADINGS).rstrip())
    for row in service_rows():
        cli.out((LIST_FORMAT % row).rstrip())
    return 0


def service_remove(binary: str, host: str) -> int:
    ctxt = get_admin_context()
    svc = db.service_get_by_host_and_binary(ctxt, host, binary)
    db.service_destroy(ctxt, svc.id)
    cli.out(f"Service {binary} on host {host} removed.")
    return 0


def add_command_parsers(subparsers) -> None:
    cli.add_db_commands(subparsers, db.MIGRATIONS, _database_url, lambda: db.get_facade().engine)
    actions = cli.add_category(subparsers, "service", "The services table (cinder-* daemons).")
    cli.add_action(actions, "list", service_list, "Show every service and its state.")
    cli.add_action(
        actions,
        "remove",
        service_remove,
        "Remove a service record (soft delete).",
        [
            (("binary",), {"help": "Service binary, e.g. cinder-volume."}),
            (("host",), {"help": "Host of the service, e.g. node1@lvm."}),
        ],
    )


category_opt = cfg.SubCommandOpt(
    "category",
    title="Command categories",
    help="Available categories",
    handler=add_command_parsers,
)


def main(argv: Sequence[str] | None = None) -> int:
    blockstorage.conf.set_service_defaults()
    code = cli.parse(list(sys.argv if argv is None else argv), "cinder", category_opt)
    if code is not None:
        return code
    log.setup(CONF, "cinder")
    try:
        return cli.run()
    finally:
        db.reset_facade()
