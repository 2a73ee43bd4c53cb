"""SQLAlchemy models of the cinder database.

The schema is created only by the Alembic migrations in ``migrations/blockstorage``; a
functional test checks that models and migrated schema agree.

``deleted`` differs from Cinder on purpose: Cinder stores a boolean, Novella stores
Nova's integer (0 when live, the row's id once deleted) so that a unique constraint on
(host, binary, deleted) rejects a second live service with the same host and binary
while still allowing any number of deleted ones.  Read it as a boolean (``bool(row.
deleted)``) where Cinder's API shows one.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from common.db import models


class CinderBase(models.ModelBase, DeclarativeBase):
    """Declarative base of every cinder table (one metadata: the cinder database)."""


class Service(CinderBase, models.TimestampMixin, models.SoftDeleteMixin):
    """A running cinder-* daemon (cinder-volume: one per ``host@backend``)."""

    __tablename__ = "services"
    __table_args__ = (
        sa.Index("services_uuid_idx", "uuid", unique=True),
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
    availability_zone: Mapped[str | None] = mapped_column(
        sa.String(255), default="nova", server_default="nova"
    )
    # When the service was last disabled or enabled; updated_at stays the heartbeat.
    modified_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    rpc_current_version: Mapped[str | None] = mapped_column(sa.String(36))
    object_current_version: Mapped[str | None] = mapped_column(sa.String(36))
    replication_status: Mapped[str | None] = mapped_column(
        sa.String(36), default="not-capable", server_default="not-capable"
    )
    active_backend_id: Mapped[str | None] = mapped_column(sa.String(255))
    frozen: Mapped[bool] = mapped_column(
        sa.Boolean, nullable=False, default=False, server_default=sa.false()
    )
    cluster_name: Mapped[str | None] = mapped_column(sa.String(255))


metadata = CinderBase.metadata
