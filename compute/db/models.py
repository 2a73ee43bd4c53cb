"""SQLAlchemy models of the nova database.

The schema itself is created only by the Alembic migrations in ``migrations/compute``;
a functional test checks that these models and the migrated schema agree.  Tables are
added here (and in a new migration) as the compute service grows.

Nova splits its state between a cell database (instances, compute_nodes, instance
actions and faults...) and an API database (flavors, key pairs, aggregates, server
groups, quotas).  Novella has one cell and keeps a single nova database holding both
sets, with Nova's table and column names.  Tables that live in Nova's API database keep
its shape there: no soft delete (``deleted``/``deleted_at``), rows are removed.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from common.db import models

# Nova's MediumText: user data and key data exceed TEXT's 64 KiB on MySQL.
MediumText = sa.Text().with_variant(mysql.MEDIUMTEXT(), "mysql")


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


# -- instances (cell database in Nova) ----------------------------------------------------


class Instance(NovaBase, models.TimestampMixin, models.SoftDeleteMixin):
    """A server.  The flavor it runs with is kept as JSON in ``instance_extra``."""

    __tablename__ = "instances"
    __table_args__ = (
        sa.UniqueConstraint("uuid", name="uniq_instances0uuid"),
        sa.Index("instances_project_id_idx", "project_id"),
        sa.Index("instances_project_id_deleted_idx", "project_id", "deleted"),
        sa.Index("instances_reservation_id_idx", "reservation_id"),
        sa.Index("instances_terminated_at_launched_at_idx", "terminated_at", "launched_at"),
        sa.Index("instances_uuid_deleted_idx", "uuid", "deleted"),
        sa.Index("instances_task_state_updated_at_idx", "task_state", "updated_at"),
        sa.Index("instances_host_node_deleted_idx", "host", "node", "deleted"),
        sa.Index("instances_host_deleted_cleaned_idx", "host", "deleted", "cleaned"),
        sa.Index("instances_deleted_created_at_idx", "deleted", "created_at"),
        sa.Index("instances_updated_at_project_id_idx", "updated_at", "project_id"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    uuid: Mapped[str] = mapped_column(sa.String(36), nullable=False)
    user_id: Mapped[str | None] = mapped_column(sa.String(255))
    project_id: Mapped[str | None] = mapped_column(sa.String(255))
    image_ref: Mapped[str | None] = mapped_column(sa.String(255))
    kernel_id: Mapped[str | None] = mapped_column(sa.String(255))
    ramdisk_id: Mapped[str | None] = mapped_column(sa.String(255))
    hostname: Mapped[str | None] = mapped_column(sa.String(255))
    launch_index: Mapped[int | None] = mapped_column(sa.Integer)
    key_name: Mapped[str | None] = mapped_column(sa.String(255))
    key_data: Mapped[str | None] = mapped_column(MediumText)
    power_state: Mapped[int | None] = mapped_column(sa.Integer)
    vm_state: Mapped[str | None] = mapped_column(sa.String(255))
    task_state: Mapped[str | None] = mapped_column(sa.String(255))
    memory_mb: Mapped[int | None] = mapped_column(sa.Integer)
    vcpus: Mapped[int | None] = mapped_column(sa.Integer)
    root_gb: Mapped[int | None] = mapped_column(sa.Integer)
    ephemeral_gb: Mapped[int | None] = mapped_column(sa.Integer)
    host: Mapped[str | None] = mapped_column(sa.String(255))
    node: Mapped[str | None] = mapped_column(sa.String(255))
    instance_type_id: Mapped[int | None] = mapped_column(sa.Integer)
    user_data: Mapped[str | None] = mapped_column(MediumText)
    reservation_id: Mapped[str | None] = mapped_column(sa.String(255))
    launched_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    terminated_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    display_name: Mapped[str | None] = mapped_column(sa.String(255))
    display_description: Mapped[str | None] = mapped_column(sa.String(255))
    availability_zone: Mapped[str | None] = mapped_column(sa.String(255))
    locked: Mapped[bool | None] = mapped_column(sa.Boolean)
    locked_by: Mapped[str | None] = mapped_column(
        sa.Enum("owner", "admin", name="instances0locked_by")
    )
    os_type: Mapped[str | None] = mapped_column(sa.String(255))
    architecture: Mapped[str | None] = mapped_column(sa.String(255))
    vm_mode: Mapped[str | None] = mapped_column(sa.String(255))
    root_device_name: Mapped[str | None] = mapped_column(sa.String(255))
    default_ephemeral_device: Mapped[str | None] = mapped_column(sa.String(255))
    default_swap_device: Mapped[str | None] = mapped_column(sa.String(255))
    config_drive: Mapped[str | None] = mapped_column(sa.String(255))
    access_ip_v4: Mapped[str | None] = mapped_column(sa.String(39))
    access_ip_v6: Mapped[str | None] = mapped_column(sa.String(39))
    launched_on: Mapped[str | None] = mapped_column(sa.Text)
    auto_disk_config: Mapped[bool | None] = mapped_column(sa.Boolean)
    shutdown_terminate: Mapped[bool | None] = mapped_column(sa.Boolean)
    disable_terminate: Mapped[bool | None] = mapped_column(sa.Boolean)
    progress: Mapped[int | None] = mapped_column(sa.Integer)
    cleaned: Mapped[int | None] = mapped_column(sa.Integer, default=0, server_default="0")


class InstanceMetadata(NovaBase, models.TimestampMixin, models.SoftDeleteMixin):
    """User-visible key/value metadata of a server (``GET /servers/{id}/metadata``)."""

    __tablename__ = "instance_metadata"
    __table_args__ = (sa.Index("instance_metadata_instance_uuid_idx", "instance_uuid"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    key: Mapped[str | None] = mapped_column(sa.String(255))
    value: Mapped[str | None] = mapped_column(sa.String(255))
    instance_uuid: Mapped[str | None] = mapped_column(
        sa.String(36), sa.ForeignKey("instances.uuid")
    )


class InstanceSystemMetadata(NovaBase, models.TimestampMixin, models.SoftDeleteMixin):
    """Metadata the services keep about a server (image properties, ...)."""

    __tablename__ = "instance_system_metadata"
    __table_args__ = (sa.Index("instance_uuid", "instance_uuid"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    instance_uuid: Mapped[str] = mapped_column(
        sa.String(36), sa.ForeignKey("instances.uuid"), nullable=False
    )
    key: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    value: Mapped[str | None] = mapped_column(sa.String(255))


class InstanceExtra(NovaBase, models.TimestampMixin, models.SoftDeleteMixin):
    """Per-server JSON blobs; ``flavor`` holds ``{"cur", "old", "new"}`` flavor objects."""

    __tablename__ = "instance_extra"
    __table_args__ = (sa.Index("instance_extra_idx", "instance_uuid"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    instance_uuid: Mapped[str] = mapped_column(
        sa.String(36), sa.ForeignKey("instances.uuid"), nullable=False
    )
    flavor: Mapped[str | None] = mapped_column(sa.Text)
    numa_topology: Mapped[str | None] = mapped_column(sa.Text)
    pci_requests: Mapped[str | None] = mapped_column(sa.Text)
    vcpu_model: Mapped[str | None] = mapped_column(sa.Text)
    migration_context: Mapped[str | None] = mapped_column(sa.Text)
    keypairs: Mapped[str | None] = mapped_column(sa.Text)
    device_metadata: Mapped[str | None] = mapped_column(sa.Text)


class InstanceAction(NovaBase, models.TimestampMixin, models.SoftDeleteMixin):
    """One user-requested action on a server (``os-instance-actions``)."""

    __tablename__ = "instance_actions"
    __table_args__ = (
        sa.Index("instance_uuid_idx", "instance_uuid"),
        sa.Index("request_id_idx", "request_id"),
        sa.Index("instance_actions_instance_uuid_updated_at_idx", "instance_uuid", "updated_at"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    action: Mapped[str | None] = mapped_column(sa.String(255))
    instance_uuid: Mapped[str | None] = mapped_column(
        sa.String(36), sa.ForeignKey("instances.uuid")
    )
    request_id: Mapped[str | None] = mapped_column(sa.String(255))
    user_id: Mapped[str | None] = mapped_column(sa.String(255))
    project_id: Mapped[str | None] = mapped_column(sa.String(255))
    start_time: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    finish_time: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    message: Mapped[str | None] = mapped_column(sa.String(255))


class InstanceActionEvent(NovaBase, models.TimestampMixin, models.SoftDeleteMixin):
    """A step of an action (``compute_reboot_instance``...) and how it ended."""

    __tablename__ = "instance_actions_events"
    __table_args__ = (sa.Index("instance_actions_events_action_id_idx", "action_id"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    event: Mapped[str | None] = mapped_column(sa.String(255))
    action_id: Mapped[int | None] = mapped_column(sa.Integer, sa.ForeignKey("instance_actions.id"))
    start_time: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    finish_time: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    result: Mapped[str | None] = mapped_column(sa.String(255))
    traceback: Mapped[str | None] = mapped_column(sa.Text)
    host: Mapped[str | None] = mapped_column(sa.String(255))
    details: Mapped[str | None] = mapped_column(sa.Text)


class InstanceFault(NovaBase, models.TimestampMixin, models.SoftDeleteMixin):
    """Why a server went to ERROR (the ``fault`` of ``GET /servers/{id}``)."""

    __tablename__ = "instance_faults"
    __table_args__ = (
        sa.Index("instance_faults_host_idx", "host"),
        sa.Index(
            "instance_faults_instance_uuid_deleted_created_at_idx",
            "instance_uuid",
            "deleted",
            "created_at",
        ),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    instance_uuid: Mapped[str | None] = mapped_column(
        sa.String(36), sa.ForeignKey("instances.uuid")
    )
    code: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    message: Mapped[str | None] = mapped_column(sa.String(255))
    details: Mapped[str | None] = mapped_column(MediumText)
    host: Mapped[str | None] = mapped_column(sa.String(255))


class ComputeNode(NovaBase, models.TimestampMixin, models.SoftDeleteMixin):
    """A hypervisor's resources as its nova-compute last reported them."""

    __tablename__ = "compute_nodes"
    __table_args__ = (
        sa.Index("compute_nodes_uuid_idx", "uuid", unique=True),
        sa.UniqueConstraint(
            "host",
            "hypervisor_hostname",
            "deleted",
            name="uniq_compute_nodes0host0hypervisor_hostname0deleted",
        ),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    uuid: Mapped[str | None] = mapped_column(sa.String(36))
    service_id: Mapped[int | None] = mapped_column(sa.Integer)
    host: Mapped[str | None] = mapped_column(sa.String(255))
    hypervisor_hostname: Mapped[str | None] = mapped_column(sa.String(255))
    vcpus: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    memory_mb: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    local_gb: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    vcpus_used: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    memory_mb_used: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    local_gb_used: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    free_ram_mb: Mapped[int | None] = mapped_column(sa.Integer)
    free_disk_gb: Mapped[int | None] = mapped_column(sa.Integer)
    current_workload: Mapped[int | None] = mapped_column(sa.Integer)
    running_vms: Mapped[int | None] = mapped_column(sa.Integer)
    hypervisor_type: Mapped[str] = mapped_column(sa.Text, nullable=False)
    hypervisor_version: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    cpu_info: Mapped[str] = mapped_column(sa.Text, nullable=False)
    disk_available_least: Mapped[int | None] = mapped_column(sa.Integer)
    host_ip: Mapped[str | None] = mapped_column(sa.String(39))
    stats: Mapped[str | None] = mapped_column(sa.Text, default="{}")
    cpu_allocation_ratio: Mapped[float | None] = mapped_column(sa.Float)
    ram_allocation_ratio: Mapped[float | None] = mapped_column(sa.Float)
    disk_allocation_ratio: Mapped[float | None] = mapped_column(sa.Float)
    mapped: Mapped[int | None] = mapped_column(sa.Integer, default=0, server_default="0")


class QuotaUsage(NovaBase, models.TimestampMixin, models.SoftDeleteMixin):
    """Nova's reservation-era usage table, kept for one job: its (project, '', resource)
    row is the lock that serializes quota counting and instance creation of a project
    (``SELECT ... FOR UPDATE``); ``in_use`` is the usage counted by the last holder."""

    __tablename__ = "quota_usages"
    __table_args__ = (
        sa.Index("ix_quota_usages_project_id", "project_id"),
        sa.Index("ix_quota_usages_user_id_deleted", "user_id", "deleted"),
        sa.UniqueConstraint(
            "project_id",
            "user_id",
            "resource",
            "deleted",
            name="uniq_quota_usages0project_id0user_id0resource0deleted",
        ),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[str | None] = mapped_column(sa.String(255))
    user_id: Mapped[str | None] = mapped_column(sa.String(255))
    resource: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    in_use: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    reserved: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    until_refresh: Mapped[int | None] = mapped_column(sa.Integer)


# -- API database tables in Nova (no soft delete) -----------------------------------------


class Flavor(NovaBase, models.TimestampMixin):
    """A size of server (Nova's ``flavors``, once ``instance_types``)."""

    __tablename__ = "flavors"
    __table_args__ = (
        sa.UniqueConstraint("flavorid", name="uniq_flavors0flavorid"),
        sa.UniqueConstraint("name", name="uniq_flavors0name"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    memory_mb: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    vcpus: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    root_gb: Mapped[int | None] = mapped_column(sa.Integer)
    ephemeral_gb: Mapped[int | None] = mapped_column(sa.Integer)
    flavorid: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    swap: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0, server_default="0")
    rxtx_factor: Mapped[float | None] = mapped_column(sa.Float, default=1.0)
    vcpu_weight: Mapped[int | None] = mapped_column(sa.Integer)
    disabled: Mapped[bool | None] = mapped_column(sa.Boolean, default=False)
    is_public: Mapped[bool | None] = mapped_column(sa.Boolean, default=True)
    description: Mapped[str | None] = mapped_column(sa.Text)


class FlavorExtraSpec(NovaBase, models.TimestampMixin):
    __tablename__ = "flavor_extra_specs"
    __table_args__ = (
        sa.Index("flavor_extra_specs_flavor_id_key_idx", "flavor_id", "key"),
        sa.UniqueConstraint("flavor_id", "key", name="uniq_flavor_extra_specs0flavor_id0key"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    value: Mapped[str | None] = mapped_column(sa.String(255))
    flavor_id: Mapped[int] = mapped_column(sa.Integer, sa.ForeignKey("flavors.id"), nullable=False)


class FlavorProject(NovaBase, models.TimestampMixin):
    """A project allowed to use a private flavor."""

    __tablename__ = "flavor_projects"
    __table_args__ = (
        sa.UniqueConstraint(
            "flavor_id", "project_id", name="uniq_flavor_projects0flavor_id0project_id"
        ),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    flavor_id: Mapped[int] = mapped_column(sa.Integer, sa.ForeignKey("flavors.id"), nullable=False)
    project_id: Mapped[str] = mapped_column(sa.String(255), nullable=False)


class KeyPair(NovaBase, models.TimestampMixin):
    """A user's public key, injected into servers booted with its name."""

    __tablename__ = "key_pairs"
    __table_args__ = (sa.UniqueConstraint("user_id", "name", name="uniq_key_pairs0user_id0name"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    user_id: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    fingerprint: Mapped[str | None] = mapped_column(sa.String(255))
    public_key: Mapped[str | None] = mapped_column(sa.Text)
    type: Mapped[str] = mapped_column(
        sa.Enum("ssh", "x509", name="keypair_types"),
        nullable=False,
        default="ssh",
        server_default="ssh",
    )


class Aggregate(NovaBase, models.TimestampMixin):
    """A named group of hosts with metadata (availability zones are aggregates)."""

    __tablename__ = "aggregates"
    __table_args__ = (
        sa.Index("aggregate_uuid_idx", "uuid"),
        sa.UniqueConstraint("name", name="uniq_aggregate0name"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    uuid: Mapped[str | None] = mapped_column(sa.String(36))
    name: Mapped[str | None] = mapped_column(sa.String(255))


class AggregateHost(NovaBase, models.TimestampMixin):
    __tablename__ = "aggregate_hosts"
    __table_args__ = (
        sa.UniqueConstraint("host", "aggregate_id", name="uniq_aggregate_hosts0host0aggregate_id"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    host: Mapped[str | None] = mapped_column(sa.String(255))
    aggregate_id: Mapped[int] = mapped_column(
        sa.Integer, sa.ForeignKey("aggregates.id"), nullable=False
    )


class AggregateMetadata(NovaBase, models.TimestampMixin):
    __tablename__ = "aggregate_metadata"
    __table_args__ = (
        sa.Index("aggregate_metadata_key_idx", "key"),
        sa.UniqueConstraint("aggregate_id", "key", name="uniq_aggregate_metadata0aggregate_id0key"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    aggregate_id: Mapped[int] = mapped_column(
        sa.Integer, sa.ForeignKey("aggregates.id"), nullable=False
    )
    key: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    value: Mapped[str] = mapped_column(sa.String(255), nullable=False)


class InstanceGroup(NovaBase, models.TimestampMixin):
    """A server group: the policy the scheduler applies to its members."""

    __tablename__ = "instance_groups"
    __table_args__ = (sa.UniqueConstraint("uuid", name="uniq_instance_groups0uuid"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str | None] = mapped_column(sa.String(255))
    project_id: Mapped[str | None] = mapped_column(sa.String(255))
    uuid: Mapped[str] = mapped_column(sa.String(36), nullable=False)
    name: Mapped[str | None] = mapped_column(sa.String(255))


class InstanceGroupPolicy(NovaBase, models.TimestampMixin):
    __tablename__ = "instance_group_policy"
    __table_args__ = (sa.Index("instance_group_policy_policy_idx", "policy"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    policy: Mapped[str | None] = mapped_column(sa.String(255))
    rules: Mapped[str | None] = mapped_column(sa.Text)
    group_id: Mapped[int] = mapped_column(
        sa.Integer, sa.ForeignKey("instance_groups.id"), nullable=False
    )


class InstanceGroupMember(NovaBase, models.TimestampMixin):
    __tablename__ = "instance_group_member"
    __table_args__ = (sa.Index("instance_group_member_instance_idx", "instance_uuid"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    instance_uuid: Mapped[str | None] = mapped_column(sa.String(255))
    group_id: Mapped[int] = mapped_column(
        sa.Integer, sa.ForeignKey("instance_groups.id"), nullable=False
    )


class Quota(NovaBase, models.TimestampMixin):
    """A project's limit on one resource, overriding the defaults."""

    __tablename__ = "quotas"
    __table_args__ = (
        sa.UniqueConstraint("project_id", "resource", name="uniq_quotas0project_id0resource"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[str | None] = mapped_column(sa.String(255))
    resource: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    hard_limit: Mapped[int | None] = mapped_column(sa.Integer)


class ProjectUserQuota(NovaBase, models.TimestampMixin):
    """A limit for one user inside a project."""

    __tablename__ = "project_user_quotas"
    __table_args__ = (
        sa.UniqueConstraint(
            "user_id",
            "project_id",
            "resource",
            name="uniq_project_user_quotas0user_id0project_id0resource",
        ),
        sa.Index("project_user_quotas_project_id_idx", "project_id"),
        sa.Index("project_user_quotas_user_id_idx", "user_id"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    user_id: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    resource: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    hard_limit: Mapped[int | None] = mapped_column(sa.Integer)


class QuotaClass(NovaBase, models.TimestampMixin):
    """Limits of a quota class; the class ``default`` holds the defaults."""

    __tablename__ = "quota_classes"
    __table_args__ = (sa.Index("quota_classes_class_name_idx", "class_name"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    class_name: Mapped[str | None] = mapped_column(sa.String(255))
    resource: Mapped[str | None] = mapped_column(sa.String(255))
    hard_limit: Mapped[int | None] = mapped_column(sa.Integer)


metadata = NovaBase.metadata
