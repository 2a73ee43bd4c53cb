"""SQLAlchemy models of the nova database.

The schema itself is created only by the Alembic migrations in ``migrations/compute``;
a functional test checks that these models and the migrated schema agree.  Tables are
added here (and in a new migration) as the compute service grows.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from common.db import models


class NovaBase(models.ModelBase, DeclarativeBase):
    """Declarative base of every nova table (one metadata: the nova database)."""


class Service(NovaBase, models.TimestampMixin, models.SoftDeleteMixin):
    """A running nova-* daemon on a host, kept alive by its heartbeat."""

    __tablename__ = "services"
    __table_args__ = (
        sa.Index("services_uuid_idx", "uuid", unique=True),
        sa.UniqueConstraint("host", "topic", "deleted", name="uniq_services0host0topic0deleted"),
        sa.UniqueConstraint("host", "binary", "deleted", name="uniq_services0host0binary0deleted"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    uuid: Mapped[str | None] = mapped_column(sa.String(36))
    host: Mapped[str | None] = mapped_column(sa.String(255))
    binary: Mapped[str | None] = mapped_column(sa.String(255))
    topic: Mapped[str | None] = mapped_column(sa.String(255))
    report_count: Mapped[int] = mapped_column(
        sa.Integer, nullable=False, default=0, server_default="0"
    )
    disabled: Mapped[bool | None] = mapped_column(
        sa.Boolean, default=False, server_default=sa.false()
    )
    disabled_reason: Mapped[str | None] = mapped_column(sa.String(255))
    last_seen_up: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    forced_down: Mapped[bool | None] = mapped_column(
        sa.Boolean, default=False, server_default=sa.false()
    )
    version: Mapped[int | None] = mapped_column(sa.Integer, default=0, server_default="0")


metadata = NovaBase.metadata
