"""Alembic environment of the cinder database; run by ``common.db.migration.db_sync``."""

from alembic import context

from blockstorage.db import models
from common.db.migration import run_migrations_online

run_migrations_online(context, models.metadata)
