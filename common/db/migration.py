"""Drive Alembic from code: the schema changes only through ``db sync``.

No alembic.ini is needed at run time: the script location is the directory of a Python
package (``migrations.compute``, ``migrations.blockstorage``), found through the import
system, so it works from a checkout and from an installed wheel alike.  The connection
is handed to the migration environment in ``Config.attributes``; both ``env.py`` files
call :func:`run_migrations_online` with their service's metadata.
"""

from __future__ import annotations

import importlib.util
import logging
import os
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from common.db import engine as db_engine

LOG = logging.getLogger(__name__)


def script_location(migrations: str) -> str:
    """Directory of a migrations package (dotted name) or the directory itself."""
    if os.path.isdir(migrations):
        return os.path.abspath(migrations)
    spec = importlib.util.find_spec(migrations)
    if spec is None or not spec.submodule_search_locations:
        raise ValueError(f"{migrations!r} is neither a directory nor a migrations package")
    return os.path.abspath(list(spec.submodule_search_locations)[0])


def alembic_config(migrations: str, connection: sa.Connection | None = None) -> Config:
    config = Config()
    # ConfigParser interpolates '%': escape it in paths.
    config.set_main_option("script_location", script_location(migrations).replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _engine_for(url: str) -> Engine:
    # One connection for the whole run; no pool to leave behind.
    return db_engine.create_engine(url, max_pool_size=None, max_overflow=None, poolclass=NullPool)


def db_sync(
    url: str, migrations: str, revision: str = "heads", *, engine: Engine | None = None
) -> None:
    """Upgrade the database at ``url`` to ``revision`` (all the way by default).

    Already at the target: nothing happens.  A target below the current revision is an
    error (Alembic's CommandError), as downgrades are not supported.
    """
    owned = engine is None
    bind = _engine_for(url) if engine is None else engine
    try:
        with bind.connect() as conn:
            command.upgrade(alembic_config(migrations, conn), revision)
            if conn.in_transaction():
                conn.commit()
    finally:
        if owned:
            bind.dispose()


def db_version(url: str, migrations: str, *, engine: Engine | None = None) -> str | None:
    """The revision the database is at (heads joined by commas), None when unversioned."""
    owned = engine is None
    bind = _engine_for(url) if engine is None else engine
    try:
        with bind.connect() as conn:
            heads = MigrationContext.configure(conn).get_current_heads()
    finally:
        if owned:
            bind.dispose()
    return ",".join(sorted(heads)) if heads else None


def head_revision(migrations: str) -> str | None:
    """The newest revision the migration scripts know."""
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory.from_config(alembic_config(migrations)).get_heads()
    return ",".join(sorted(heads)) if heads else None


def run_migrations_online(context: Any, target_metadata: sa.MetaData) -> None:
    """Body of an ``env.py``: migrate through the connection ``db_sync`` handed over,
    or through ``sqlalchemy.url`` when run by the ``alembic`` command line."""
    config = context.config
    connection = config.attributes.get("connection")
    if connection is None:
        engine = _engine_for(config.get_main_option("sqlalchemy.url"))
        with engine.connect() as conn:
            _configure_and_run(context, conn, target_metadata)
            if conn.in_transaction():
                conn.commit()
        engine.dispose()
    else:
        _configure_and_run(context, connection, target_metadata)


def _configure_and_run(context: Any, connection: sa.Connection, metadata: sa.MetaData) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite cannot ALTER most things; batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        transaction_per_migration=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
