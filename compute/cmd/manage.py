"""nova-manage: the operator's tool for the nova database and the services table.

nova-manage [--config-file nova.conf] db sync [VERSION]
nova-manage db version
nova-manage service list [--host HOST]
nova-manage service disable HOST BINARY [--reason REASON]
nova-manage service enable HOST BINARY
nova-manage service delete ID_OR_UUID
nova-manage image import|list|show|delete ...   (see compute/cmd/manage_image.py)
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import prettytable
from oslo_config import cfg

import compute.conf  # noqa: F401  (registers the compute options)
from common import exception, log
from common.config import CONF
from common.context import get_admin_context
from common.db import cli
from common.service import servicegroup
from compute.cmd import manage_image
from compute.db import api as db

# Nova's defaults for [DEFAULT] default_availability_zone and
# internal_service_availability_zone, used when those options are not registered.
DEFAULT_ZONE = "nova"
INTERNAL_ZONE = "internal"


def _option(name: str, default: str) -> str:
    return getattr(CONF, name) if name in CONF else default


def _database_url() -> str:
    if not CONF.database.connection:
        raise exception.DBNotConfigured(reason="[database] connection is not set")
    return CONF.database.connection


def service_rows(host: str | None = None) -> list[list[str]]:
    """The ``service list`` table: Binary, Host, Zone, Status, State, Updated_At."""
    rows = []
    for svc in db.service_get_all(get_admin_context()):
        if host and svc.host != host:
            continue
        if svc.binary == "nova-compute":
            zone = _option("default_availability_zone", DEFAULT_ZONE)
        else:
            zone = _option("internal_service_availability_zone", INTERNAL_ZONE)
        up = servicegroup.is_up(svc.last_seen_up, svc.updated_at, svc.created_at, svc.forced_down)
        rows.append(
            [
                svc.binary,
                svc.host,
                zone,
                "disabled" if svc.disabled else "enabled",
                "up" if up else "down",
                str(svc.updated_at or ""),
            ]
        )
    return rows


def service_list(host: str | None = None) -> int:
    table = prettytable.PrettyTable(["Binary", "Host", "Zone", "Status", "State", "Updated_At"])
    table.align = "l"
    for row in service_rows(host):
        table.add_row(row)
    cli.out(table.get_string())
    return 0


def _set_disabled(host: str, binary: str, disabled: bool, reason: str | None) -> int:
    ctxt = get_admin_context()
    svc = db.service_get_by_host_and_binary(ctxt, host, binary)
    db.service_update(ctxt, svc.id, {"disabled": disabled, "disabled_reason": reason})
    cli.out(f"Service {binary} on host {host} {'disabled' if disabled else 'enabled'}.")
    return 0


def service_disable(host: str, binary: str, reason: str | None = None) -> int:
    return _set_disabled(host, binary, True, reason)


def service_enable(host: str, binary: str) -> int:
    return _set_disabled(host, binary, False, None)


def service_delete(service: str) -> int:
    ctxt = get_admin_context()
    if service.isdigit():
        svc = db.service_get(ctxt, int(service))
    else:
        svc = db.service_get_by_uuid(ctxt, service)
    db.service_destroy(ctxt, svc.id)
    cli.out(f"Service {svc.binary} on host {svc.host} (id {svc.id}) deleted.")
    return 0


def add_command_parsers(subparsers) -> None:
    cli.add_db_commands(subparsers, db.MIGRATIONS, _database_url, lambda: db.get_facade().engine)
    actions = cli.add_category(subparsers, "service", "The services table (nova-* daemons).")
    cli.add_action(
        actions,
        "list",
        service_list,
        "Show every service with its state (up/down) and status (enabled/disabled).",
        [(("--host",), {"help": "Only the services of this host."})],
    )
    host_binary = [
        (("host",), {"help": "Host the service runs on."}),
        (("binary",), {"help": "Service binary, e.g. nova-compute."}),
    ]
    cli.add_action(
        actions,
        "disable",
        service_disable,
        "Disable a service: the scheduler stops choosing it.",
        [*host_binary, (("--reason",), {"help": "Why (shown by the API)."})],
    )
    cli.add_action(actions, "enable", service_enable, "Enable a service again.", host_binary)
    cli.add_action(
        actions,
        "delete",
        service_delete,
        "Delete a service record (soft delete) by id or uuid.",
        [(("service",), {"metavar": "ID_OR_UUID", "help": "Service id or uuid."})],
    )
    manage_image.add_command_parsers(subparsers)


category_opt = cfg.SubCommandOpt(
    "category",
    title="Command categories",
    help="Available categories",
    handler=add_command_parsers,
)


def main(argv: Sequence[str] | None = None) -> int:
    code = cli.parse(list(sys.argv if argv is None else argv), "nova", category_opt)
    if code is not None:
        return code
    log.setup(CONF, "nova")
    try:
        return cli.run()
    finally:
        db.reset_facade()
