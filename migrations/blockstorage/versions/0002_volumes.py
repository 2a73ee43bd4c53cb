"""The cinder tables of volumes, types, snapshots, attachments, quotas and messages.

Seeds what Cinder's own migrations seed: the ``__DEFAULT__`` volume type (every volume
has a type) and the ``default`` quota class with the built-in limits.

Revision ID: 0002
Revises: 0001
"""

import datetime
import uuid

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

DEFAULT_TYPE_NAME = "__DEFAULT__"
DEFAULT_QUOTAS = {
    "volumes": 10,
    "snapshots": 10,
    "gigabytes": 1000,
    "backups": 10,
    "backup_gigabytes": 1000,
    "per_volume_gigabytes": -1,
    "groups": 10,
}


def upgrade() -> None:
    op.create_table(
        "volume_types",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(255)),
        sa.Column("description", sa.String(255)),
        sa.Column("qos_specs_id", sa.String(36)),
        sa.Column("is_public", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.DateTime),
        sa.Column("updated_at", sa.DateTime),
        sa.Column("deleted_at", sa.DateTime),
        sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
        mysql_engine="InnoDB",
        mysql_charset="utf8mb4",
    )
    op.create_table(
        "volume_type_extra_specs",
        sa.Column(
            "volume_type_id", sa.String(36), sa.ForeignKey("volume_types.id"), nullable=False
        ),
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("value", sa.String(255)),
        sa.Column("created_at", sa.DateTime),
        sa.Column("updated_at", sa.DateTime),
        sa.Column("deleted_at", sa.DateTime),
        sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
        mysql_engine="InnoDB",
        mysql_charset="utf8mb4",
    )
    op.create_index(
        "volume_type_extra_specs_type_idx", "volume_type_extra_specs", ["volume_type_id"]
    )
    op.create_table(
        "volume_type_projects",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "volume_type_id", sa.String(36), sa.ForeignKey("volume_types.id"), nullable=False
        ),
        sa.Column("project_id", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime),
        sa.Column("updated_at", sa.DateTime),
        sa.Column("deleted_at", sa.DateTime),
        sa.Column("deleted", sa.Integer, server_default="0"),
        sa.UniqueConstraint(
            "volume_type_id", "project_id", "deleted", name="uniq_volume_type_projects0type0proj"
        ),
        mysql_engine="InnoDB",
        mysql_charset="utf8mb4",
    )
    op.create_table(
        "volumes",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("ec2_id", sa.String(255)),
        sa.Column("user_id", sa.String(255)),
        sa.Column("project_id", sa.String(255)),
        sa.Column("snapshot_id", sa.String(36)),
        sa.Column("cluster_name", sa.String(255)),
        sa.Column("host", sa.String(255)),
        sa.Column("size", sa.Integer),
        sa.Column("availability_zone", sa.String(255)),
        sa.Column("status", sa.String(255)),
        sa.Column("attach_status", sa.String(255)),
        sa.Column("migration_status", sa.String(255)),
        sa.Column("scheduled_at", sa.DateTime),
        sa.Column("launched_at", sa.DateTime),
        sa.Column("terminated_at", sa.DateTime),
        sa.Column("display_name", sa.String(255)),
        sa.Column("display_description", sa.String(255)),
        sa.Column("provider_location", sa.String(256)),
        sa.Column("provider_auth", sa.String(256)),
        sa.Column("provider_geometry", sa.String(255)),
        sa.Column("provider_id", sa.String(255)),
        sa.Column("volume_type_id", sa.String(36)),
        sa.Column("source_volid", sa.String(36)),
        sa.Column("encryption_key_id", sa.String(36)),
        sa.Column("consistencygroup_id", sa.String(36)),
        sa.Column("group_id", sa.String(36)),
        sa.Column("bootable", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("multiattach", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("replication_status", sa.String(255)),
        sa.Column("replication_extended_status", sa.String(255)),
        sa.Column("replication_driver_data", sa.String(255)),
        sa.Column("previous_status", sa.String(255)),
        sa.Column("service_uuid", sa.String(36)),
        sa.Column("shared_targets", sa.Boolean),
        sa.Column("use_quota", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("_name_id", sa.String(36)),
        sa.Column("created_at", sa.DateTime),
        sa.Column("updated_at", sa.DateTime),
        sa.Column("deleted_at", sa.DateTime),
        sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
        mysql_engine="InnoDB",
        mysql_charset="utf8mb4",
    )
    op.create_index("volumes_host_idx", "volumes", ["host"])
    op.create_index("volumes_deleted_project_idx", "volumes", ["deleted", "project_id"])
    op.create_index("volumes_project_id_idx", "volumes", ["project_id"])
    op.create_table(
        "volume_metadata",
        sa.Column("volume_id", sa.String(36), sa.ForeignKey("volumes.id"), nullable=False),
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("value", sa.String(255)),
        sa.Column("created_at", sa.DateTime),
        sa.Column("updated_at", sa.DateTime),
        sa.Column("deleted_at", sa.DateTime),
        sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
        mysql_engine="InnoDB",
        mysql_charset="utf8mb4",
    )
    op.create_index("volume_metadata_volume_id_idx", "volume_metadata", ["volume_id"])
    op.create_table(
        "volume_admin_metadata",
        sa.Column("volume_id", sa.String(36), sa.ForeignKey("volumes.id"), nullable=False),
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("value", sa.String(255)),
        sa.Column("created_at", sa.DateTime),
        sa.Column("updated_at", sa.DateTime),
        sa.Column("deleted_at", sa.DateTime),
        sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
        mysql_engine="InnoDB",
        mysql_charset="utf8mb4",
    )
    op.create_index("volume_admin_metadata_volume_id_idx", "volume_admin_metadata", ["volume_id"])
    op.create_table(
        "volume_glance_metadata",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("volume_id", sa.String(36), sa.ForeignKey("volumes.id")),
        sa.Column("snapshot_id", sa.String(36)),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("value", sa.Text),
        sa.Column("created_at", sa.DateTime),
        sa.Column("updated_at", sa.DateTime),
        sa.Column("deleted_at", sa.DateTime),
        sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
        mysql_engine="InnoDB",
        mysql_charset="utf8mb4",
    )
    op.create_index("volume_glance_metadata_volume_id_idx", "volume_glance_metadata", ["volume_id"])
    op.create_table(
        "volume_attachment",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("volume_id", sa.String(36), sa.ForeignKey("volumes.id"), nullable=False),
        sa.Column("attached_host", sa.String(255)),
        sa.Column("instance_uuid", sa.String(36)),
        sa.Column("mountpoint", sa.String(255)),
        sa.Column("attach_time", sa.DateTime),
        sa.Column("detach_time", sa.DateTime),
        sa.Column("attach_mode", sa.String(36)),
        sa.Column("attach_status", sa.String(255)),
        sa.Column("connection_info", sa.Text),
        sa.Column("connector", sa.Text),
        sa.Column("created_at", sa.DateTime),
        sa.Column("updated_at", sa.DateTime),
        sa.Column("deleted_at", sa.DateTime),
        sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
        mysql_engine="InnoDB",
        mysql_charset="utf8mb4",
    )
    op.create_index("attachment_volume_id_idx", "volume_attachment", ["volume_id"])
    op.create_table(
        "snapshots",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("user_id", sa.String(255)),
        sa.Column("project_id", sa.String(255)),
        sa.Column("volume_id", sa.String(36), nullable=False),
        sa.Column("cgsnapshot_id", sa.String(36)),
        sa.Column("group_snapshot_id", sa.String(36)),
        sa.Column("status", sa.String(255)),
        sa.Column("progress", sa.String(255)),
        sa.Column("volume_size", sa.Integer),
        sa.Column("scheduled_at", sa.DateTime),
        sa.Column("display_name", sa.String(255)),
        sa.Column("display_description", sa.String(255)),
        sa.Column("provider_location", sa.String(255)),
        sa.Column("provider_id", sa.String(255)),
        sa.Column("provider_auth", sa.String(255)),
        sa.Column("encryption_key_id", sa.String(36)),
        sa.Column("volume_type_id", sa.String(36)),
        sa.Column("use_quota", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.DateTime),
        sa.Column("updated_at", sa.DateTime),
        sa.Column("deleted_at", sa.DateTime),
        sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
        mysql_engine="InnoDB",
        mysql_charset="utf8mb4",
    )
    op.create_index("snapshots_volume_id_idx", "snapshots", ["volume_id"])
    op.create_index("snapshots_project_id_idx", "snapshots", ["project_id"])
    op.create_table(
        "snapshot_metadata",
        sa.Column("snapshot_id", sa.String(36), sa.ForeignKey("snapshots.id"), nullable=False),
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("value", sa.String(255)),
        sa.Column("created_at", sa.DateTime),
        sa.Column("updated_at", sa.DateTime),
        sa.Column("deleted_at", sa.DateTime),
        sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
        mysql_engine="InnoDB",
        mysql_charset="utf8mb4",
    )
    op.create_index("snapshot_metadata_snapshot_id_idx", "snapshot_metadata", ["snapshot_id"])
    op.create_table(
        "quotas",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("project_id", sa.String(255)),
        sa.Column("resource", sa.String(255), nullable=False),
        sa.Column("hard_limit", sa.Integer),
        sa.Column("allocated", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime),
        sa.Column("updated_at", sa.DateTime),
        sa.Column("deleted_at", sa.DateTime),
        sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
        mysql_engine="InnoDB",
        mysql_charset="utf8mb4",
    )
    op.create_index("quotas_project_id_idx", "quotas", ["project_id"])
    op.create_table(
        "quota_classes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("class_name", sa.String(255)),
        sa.Column("resource", sa.String(255)),
        sa.Column("hard_limit", sa.Integer),
        sa.Column("created_at", sa.DateTime),
        sa.Column("updated_at", sa.DateTime),
        sa.Column("deleted_at", sa.DateTime),
        sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
        mysql_engine="InnoDB",
        mysql_charset="utf8mb4",
    )
    op.create_index("quota_classes_class_name_idx", "quota_classes", ["class_name"])
    op.create_table(
        "quota_usages",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("project_id", sa.String(255)),
        sa.Column("resource", sa.String(300)),
        sa.Column("in_use", sa.Integer, nullable=False),
        sa.Column("reserved", sa.Integer, nullable=False),
        sa.Column("until_refresh", sa.Integer),
        sa.Column("created_at", sa.DateTime),
        sa.Column("updated_at", sa.DateTime),
        sa.Column("deleted_at", sa.DateTime),
        sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.UniqueConstraint("project_id", "resource", name="uniq_quota_usages0project0resource"),
        mysql_engine="InnoDB",
        mysql_charset="utf8mb4",
    )
    op.create_table(
        "messages",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("project_id", sa.String(255), nullable=False),
        sa.Column("request_id", sa.String(255)),
        sa.Column("resource_type", sa.String(36)),
        sa.Column("resource_uuid", sa.String(255)),
        sa.Column("event_id", sa.String(255), nullable=False),
        sa.Column("message_level", sa.String(255), nullable=False),
        sa.Column("detail_id", sa.String(10)),
        sa.Column("action_id", sa.String(10)),
        sa.Column("expires_at", sa.DateTime),
        sa.Column("created_at", sa.DateTime),
        sa.Column("updated_at", sa.DateTime),
        sa.Column("deleted_at", sa.DateTime),
        sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
        mysql_engine="InnoDB",
        mysql_charset="utf8mb4",
    )
    op.create_index("messages_project_id_idx", "messages", ["project_id"])
    _seed()


def _seed() -> None:
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    volume_types = sa.table(
        "volume_types",
        sa.column("id", sa.String),
        sa.column("name", sa.String),
        sa.column("description", sa.String),
        sa.column("is_public", sa.Boolean),
        sa.column("deleted", sa.Boolean),
        sa.column("created_at", sa.DateTime),
    )
    op.bulk_insert(
        volume_types,
        [
            {
                "id": str(uuid.uuid4()),
                "name": DEFAULT_TYPE_NAME,
                "description": "Default Volume Type",
                "is_public": True,
                "deleted": False,
                "created_at": now,
            }
        ],
    )
    quota_classes = sa.table(
        "quota_classes",
        sa.column("class_name", sa.String),
        sa.column("resource", sa.String),
        sa.column("hard_limit", sa.Integer),
        sa.column("deleted", sa.Boolean),
        sa.column("created_at", sa.DateTime),
    )
    op.bulk_insert(
        quota_classes,
        [
            {
                "class_name": "default",
                "resource": resource,
                "hard_limit": limit,
                "deleted": False,
                "created_at": now,
            }
            for resource, limit in DEFAULT_QUOTAS.items()
        ],
    )
