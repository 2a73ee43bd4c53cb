"""What nova-manage and cinder-manage share: the ``db`` commands and the error policy.

Both tools are oslo.config sub-command CLIs: ``<tool> <category> <action> [args]``.  A
category registers its actions with :func:`add_action`; each action is a plain function
whose keyword arguments come from the command line.  :func:`run` calls it and turns
every failure into one line on stderr and exit code 1: an operator sees what is wrong,
never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from typing import Any

from alembic.util import CommandError
from oslo_config import cfg
from sqlalchemy import exc as sa_exc

from common import exception
from common.config import CONF
from common.db import migration

LOG = logging.getLogger(__name__)

_KWARG_PREFIX = "action_kwarg_"


def add_action(
    actions: argparse._SubParsersAction,
    name: str,
    func: Callable[..., int | None],
    help: str,
    arguments: list[tuple[tuple[str, ...], dict[str, Any]]] = (),  # type: ignore[assignment]
) -> argparse.ArgumentParser:
    """Declare ``<category> name``; each argument's value reaches ``func`` by keyword.

    Argument destinations are prefixed, because oslo.config answers a sub-command
    attribute named like a registered option (``host``) with the option instead.
    """
    parser = actions.add_parser(name, help=help, description=help)
    kwargs = []
    for flags, spec in arguments:
        spec = dict(spec)
        dest = spec.pop("dest", None) or flags[-1].lstrip("-").replace("-", "_")
        kwargs.append(dest)
        if flags[0].startswith("-"):
            parser.add_argument(*flags, dest=_KWARG_PREFIX + dest, **spec)
        else:
            spec.setdefault("metavar", flags[0].upper())
            parser.add_argument(_KWARG_PREFIX + dest, **spec)
    parser.set_defaults(action_fn=func, action_kwargs=kwargs)
    return parser


def add_category(subparsers: argparse._SubParsersAction, name: str, help: str) -> Any:
    parser = subparsers.add_parser(name, help=help, description=help)
    actions = parser.add_subparsers(title="actions", dest="action")
    actions.required = True
    return actions


def add_db_commands(
    subparsers: argparse._SubParsersAction,
    migrations: str,
    get_url: Callable[[], str],
    get_engine: Callable[[], Any],
) -> None:
    """The ``db sync [version]`` and ``db version`` commands of a service."""

    def sync(version: str | None = None) -> int:
        migration.db_sync(get_url(), migrations, version or "heads", engine=get_engine())
        return 0

    def current() -> int:
        out(str(migration.db_version(get_url(), migrations, engine=get_engine())))
        return 0

    actions = add_category(subparsers, "db", "Database schema (Alembic migrations).")
    add_action(
        actions,
        "sync",
        sync,
        "Upgrade the database schema to the newest (or the given) revision.",
        [(("version",), {"nargs": "?", "default": None, "help": "Target revision."})],
    )
    add_action(actions, "version", current, "Print the database's current schema revision.")


def out(line: str = "") -> None:
    """Command output (not logging): what the operator asked to see, on stdout."""
    sys.stdout.write(line + "\n")


def fail(message: str) -> int:
    sys.stderr.write(f"ERROR: {message}\n")
    return 1


def parse(argv: list[str], project: str, category_opt: cfg.SubCommandOpt) -> int | None:
    """Parse the command line; an exit code when that already failed, else None."""
    from common import config

    try:
        CONF.register_cli_opt(category_opt)
    except cfg.ArgsAlreadyParsedError:
        CONF.reset()
        CONF.register_cli_opt(category_opt)
    try:
        config.parse_args(argv, project)
    except SystemExit as error:  # argparse: usage error or --help
        return int(error.code or 0) if not isinstance(error.code, str) else fail(error.code)
    except cfg.Error as error:
        return fail(str(error))
    return None


def run() -> int:
    """Run the action chosen on the command line; the exit code of the tool."""
    func = CONF.category.action_fn
    names = CONF.category.action_kwargs
    kwargs = {name: getattr(CONF.category, _KWARG_PREFIX + name) for name in names}
    try:
        return func(**kwargs) or 0
    except exception.DBNotConfigured:
        return fail(
            "no database configured: set [database] connection in the configuration file "
            "(--config-file)"
        )
    except exception.NovellaException as error:
        return fail(error.format_message())
    except CommandError as error:
        return fail(f"migration: {error}")
    except sa_exc.DBAPIError as error:
        LOG.debug("database error", exc_info=True)
        hint = ""
        if isinstance(error, sa_exc.OperationalError | sa_exc.ProgrammingError):
            hint = " (is the schema current? run 'db sync')"
        return fail(f"database error: {str(error.orig).strip()}{hint}")
    except Exception as error:  # the promise: a message, never a traceback
        LOG.debug("command failed", exc_info=True)
        return fail(f"{type(error).__name__}: {error}")
