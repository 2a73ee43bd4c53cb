"""Alembic environment of the nova database; run by ``common.db.migration.db_sync``."""

from alembic import context

from common.db.migration import run_migrations_online
from compute.db import models

run_migrations_online(context, models.metadata)
