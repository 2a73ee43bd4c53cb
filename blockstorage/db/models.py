"""SQLAlchemy models of the cinder database (Cinder's tables and column names).

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
from typing import Any

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


class BoolDeleteMixin:
    """Cinder's soft delete for rows with string ids: ``deleted`` is a boolean."""

    deleted_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    deleted: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())

    def soft_delete(self, session: Any) -> None:
        self.deleted = True
        self.deleted_at = models.utcnow()
        session.add(self)


class Volume(CinderBase, models.TimestampMixin, BoolDeleteMixin):
    """A volume; ``host`` is ``host@backend#pool`` once the scheduler placed it."""

    __tablename__ = "volumes"
    __table_args__ = (
        sa.Index("volumes_project_id_idx", "project_id"),
        sa.Index("volumes_host_idx", "host"),
        sa.Index("volumes_deleted_project_idx", "deleted", "project_id"),
    )

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    ec2_id: Mapped[str | None] = mapped_column(sa.String(255))
    user_id: Mapped[str | None] = mapped_column(sa.String(255))
    project_id: Mapped[str | None] = mapped_column(sa.String(255))
    snapshot_id: Mapped[str | None] = mapped_column(sa.String(36))
    cluster_name: Mapped[str | None] = mapped_column(sa.String(255))
    host: Mapped[str | None] = mapped_column(sa.String(255))
    size: Mapped[int | None] = mapped_column(sa.Integer)
    availability_zone: Mapped[str | None] = mapped_column(sa.String(255))
    status: Mapped[str | None] = mapped_column(sa.String(255))
    attach_status: Mapped[str | None] = mapped_column(sa.String(255))
    migration_status: Mapped[str | None] = mapped_column(sa.String(255))
    scheduled_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    launched_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    terminated_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    display_name: Mapped[str | None] = mapped_column(sa.String(255))
    display_description: Mapped[str | None] = mapped_column(sa.String(255))
    provider_location: Mapped[str | None] = mapped_column(sa.String(256))
    provider_auth: Mapped[str | None] = mapped_column(sa.String(256))
    provider_geometry: Mapped[str | None] = mapped_column(sa.String(255))
    provider_id: Mapped[str | None] = mapped_column(sa.String(255))
    volume_type_id: Mapped[str | None] = mapped_column(sa.String(36))
    source_volid: Mapped[str | None] = mapped_column(sa.String(36))
    encryption_key_id: Mapped[str | None] = mapped_column(sa.String(36))
    consistencygroup_id: Mapped[str | None] = mapped_column(sa.String(36))
    group_id: Mapped[str | None] = mapped_column(sa.String(36))
    bootable: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    multiattach: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    replication_status: Mapped[str | None] = mapped_column(sa.String(255))
    replication_extended_status: Mapped[str | None] = mapped_column(sa.String(255))
    replication_driver_data: Mapped[str | None] = mapped_column(sa.String(255))
    previous_status: Mapped[str | None] = mapped_column(sa.String(255))
    service_uuid: Mapped[str | None] = mapped_column(sa.String(36))
    shared_targets: Mapped[bool | None] = mapped_column(sa.Boolean, default=True)
    use_quota: Mapped[bool] = mapped_column(sa.Boolean, default=True, server_default=sa.true())
    # The id the backend names the volume by (differs from id after a migration).
    name_id: Mapped[str | None] = mapped_column("_name_id", sa.String(36))


class _KeyValue:
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(sa.String(255))
    value: Mapped[str | None] = mapped_column(sa.String(255))


class VolumeMetadata(CinderBase, _KeyValue, models.TimestampMixin, BoolDeleteMixin):
    """User metadata of a volume (``metadata`` in the API)."""

    __tablename__ = "volume_metadata"
    __table_args__ = (sa.Index("volume_metadata_volume_id_idx", "volume_id"),)
    volume_id: Mapped[str] = mapped_column(sa.String(36), sa.ForeignKey("volumes.id"))


class VolumeAdminMetadata(CinderBase, _KeyValue, models.TimestampMixin, BoolDeleteMixin):
    """Metadata only admins and services write (``readonly``, ``attached_mode``)."""

    __tablename__ = "volume_admin_metadata"
    __table_args__ = (sa.Index("volume_admin_metadata_volume_id_idx", "volume_id"),)
    volume_id: Mapped[str] = mapped_column(sa.String(36), sa.ForeignKey("volumes.id"))


class VolumeGlanceMetadata(CinderBase, models.TimestampMixin, BoolDeleteMixin):
    """Image properties a volume created from an image carries (``volume_image_metadata``)."""

    __tablename__ = "volume_glance_metadata"
    __table_args__ = (sa.Index("volume_glance_metadata_volume_id_idx", "volume_id"),)
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    volume_id: Mapped[str | None] = mapped_column(sa.String(36), sa.ForeignKey("volumes.id"))
    snapshot_id: Mapped[str | None] = mapped_column(sa.String(36))
    key: Mapped[str] = mapped_column(sa.String(255))
    value: Mapped[str | None] = mapped_column(sa.Text)


class VolumeType(CinderBase, models.TimestampMixin, BoolDeleteMixin):
    __tablename__ = "volume_types"
    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    name: Mapped[str | None] = mapped_column(sa.String(255))
    description: Mapped[str | None] = mapped_column(sa.String(255))
    qos_specs_id: Mapped[str | None] = mapped_column(sa.String(36))
    is_public: Mapped[bool] = mapped_column(sa.Boolean, default=True, server_default=sa.true())


class VolumeTypeExtraSpec(CinderBase, _KeyValue, models.TimestampMixin, BoolDeleteMixin):
    __tablename__ = "volume_type_extra_specs"
    __table_args__ = (sa.Index("volume_type_extra_specs_type_idx", "volume_type_id"),)
    volume_type_id: Mapped[str] = mapped_column(sa.String(36), sa.ForeignKey("volume_types.id"))


class VolumeTypeProject(CinderBase, models.TimestampMixin, models.SoftDeleteMixin):
    """A project allowed to use a private type; ``deleted`` is an integer so that the
    unique key admits one live row per (type, project)."""

    __tablename__ = "volume_type_projects"
    __table_args__ = (
        sa.UniqueConstraint(
            "volume_type_id", "project_id", "deleted", name="uniq_volume_type_projects0type0proj"
        ),
    )
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    volume_type_id: Mapped[str] = mapped_column(sa.String(36), sa.ForeignKey("volume_types.id"))
    project_id: Mapped[str] = mapped_column(sa.String(255))


class Snapshot(CinderBase, models.TimestampMixin, BoolDeleteMixin):
    __tablename__ = "snapshots"
    __table_args__ = (
        sa.Index("snapshots_volume_id_idx", "volume_id"),
        sa.Index("snapshots_project_id_idx", "project_id"),
    )
    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    user_id: Mapped[str | None] = mapped_column(sa.String(255))
    project_id: Mapped[str | None] = mapped_column(sa.String(255))
    volume_id: Mapped[str] = mapped_column(sa.String(36))
    cgsnapshot_id: Mapped[str | None] = mapped_column(sa.String(36))
    group_snapshot_id: Mapped[str | None] = mapped_column(sa.String(36))
    status: Mapped[str | None] = mapped_column(sa.String(255))
    progress: Mapped[str | None] = mapped_column(sa.String(255))
    volume_size: Mapped[int | None] = mapped_column(sa.Integer)
    scheduled_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    display_name: Mapped[str | None] = mapped_column(sa.String(255))
    display_description: Mapped[str | None] = mapped_column(sa.String(255))
    provider_location: Mapped[str | None] = mapped_column(sa.String(255))
    provider_id: Mapped[str | None] = mapped_column(sa.String(255))
    provider_auth: Mapped[str | None] = mapped_column(sa.String(255))
    encryption_key_id: Mapped[str | None] = mapped_column(sa.String(36))
    volume_type_id: Mapped[str | None] = mapped_column(sa.String(36))
    use_quota: Mapped[bool] = mapped_column(sa.Boolean, default=True, server_default=sa.true())


class SnapshotMetadata(CinderBase, _KeyValue, models.TimestampMixin, BoolDeleteMixin):
    __tablename__ = "snapshot_metadata"
    __table_args__ = (sa.Index("snapshot_metadata_snapshot_id_idx", "snapshot_id"),)
    snapshot_id: Mapped[str] = mapped_column(sa.String(36), sa.ForeignKey("snapshots.id"))


class VolumeAttachment(CinderBase, models.TimestampMixin, BoolDeleteMixin):
    __tablename__ = "volume_attachment"
    __table_args__ = (sa.Index("attachment_volume_id_idx", "volume_id"),)
    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    volume_id: Mapped[str] = mapped_column(sa.String(36), sa.ForeignKey("volumes.id"))
    attached_host: Mapped[str | None] = mapped_column(sa.String(255))
    instance_uuid: Mapped[str | None] = mapped_column(sa.String(36))
    mountpoint: Mapped[str | None] = mapped_column(sa.String(255))
    attach_time: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    detach_time: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    attach_mode: Mapped[str | None] = mapped_column(sa.String(36))
    attach_status: Mapped[str | None] = mapped_column(sa.String(255))
    connection_info: Mapped[str | None] = mapped_column(sa.Text)
    connector: Mapped[str | None] = mapped_column(sa.Text)


class Quota(CinderBase, models.TimestampMixin, BoolDeleteMixin):
    """A project's own limit of one resource."""

    __tablename__ = "quotas"
    __table_args__ = (sa.Index("quotas_project_id_idx", "project_id"),)
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[str | None] = mapped_column(sa.String(255))
    resource: Mapped[str] = mapped_column(sa.String(255))
    hard_limit: Mapped[int | None] = mapped_column(sa.Integer)
    allocated: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")


class QuotaClass(CinderBase, models.TimestampMixin, BoolDeleteMixin):
    __tablename__ = "quota_classes"
    __table_args__ = (sa.Index("quota_classes_class_name_idx", "class_name"),)
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    class_name: Mapped[str | None] = mapped_column(sa.String(255))
    resource: Mapped[str | None] = mapped_column(sa.String(255))
    hard_limit: Mapped[int | None] = mapped_column(sa.Integer)


class QuotaUsage(CinderBase, models.TimestampMixin, BoolDeleteMixin):
    """One row per project (resource ``volumes``) is the lock that serializes the
    count-then-create of that project; ``in_use`` keeps the last count for operators."""

    __tablename__ = "quota_usages"
    __table_args__ = (
        sa.UniqueConstraint("project_id", "resource", name="uniq_quota_usages0project0resource"),
    )
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[str | None] = mapped_column(sa.String(255))
    resource: Mapped[str | None] = mapped_column(sa.String(300))
    in_use: Mapped[int] = mapped_column(sa.Integer, default=0)
    reserved: Mapped[int] = mapped_column(sa.Integer, default=0)
    until_refresh: Mapped[int | None] = mapped_column(sa.Integer)


class Message(CinderBase, models.TimestampMixin, BoolDeleteMixin):
    """A user message (Cinder's messages API): why an asynchronous request failed."""

    __tablename__ = "messages"
    __table_args__ = (sa.Index("messages_project_id_idx", "project_id"),)
    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(sa.String(255))
    request_id: Mapped[str | None] = mapped_column(sa.String(255))
    resource_type: Mapped[str | None] = mapped_column(sa.String(36))
    resource_uuid: Mapped[str | None] = mapped_column(sa.String(255))
    event_id: Mapped[str] = mapped_column(sa.String(255))
    message_level: Mapped[str] = mapped_column(sa.String(255))
    detail_id: Mapped[str | None] = mapped_column(sa.String(10))
    action_id: Mapped[str | None] = mapped_column(sa.String(10))
    expires_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)


metadata = CinderBase.metadata
