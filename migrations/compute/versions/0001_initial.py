"""The nova database's first table: services (one row per nova-* daemon and host).

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "services",
        sa.Column("created_at", sa.DateTime),
        sa.Column("updated_at", sa.DateTime),
        sa.Column("deleted_at", sa.DateTime),
        sa.Column("deleted", sa.Integer, server_default="0"),
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True, nullable=False),
        sa.Column("uuid", sa.String(36)),
        sa.Column("host", sa.String(255)),
        sa.Column("binary", sa.String(255)),
        sa.Column("topic", sa.String(255)),
        sa.Column("report_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("disabled", sa.Boolean, server_default=sa.false()),
        sa.Column("disabled_reason", sa.String(255)),
        sa.Column("last_seen_up", sa.DateTime),
        sa.Column("forced_down", sa.Boolean, server_default=sa.false()),
        sa.Column("version", sa.Integer, server_default="0"),
        sa.UniqueConstraint("host", "topic", "deleted", name="uniq_services0host0topic0deleted"),
        sa.UniqueConstraint("host", "binary", "deleted", name="uniq_services0host0binary0deleted"),
        mysql_engine="InnoDB",
        mysql_charset="utf8mb4",
    )
    op.create_index("services_uuid_idx", "services", ["uuid"], unique=True)
