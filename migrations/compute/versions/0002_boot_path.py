"""The boot path's tables: instances and what hangs off them, flavors, key pairs,
compute nodes, instance actions and faults, aggregates, server groups and quotas.

Nova keeps flavors, key pairs, aggregates, server groups and quota limits in its API
database and the rest in a cell database; Novella has one nova database for both, with
Nova's table and column names.  Seeds the default flavors (as devstack creates them) and
the ``default`` quota class.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

MEDIUM_TEXT = sa.Text().with_variant(mysql.MEDIUMTEXT(), "mysql")
TABLE_ARGS = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4"}

# name, memory_mb, vcpus, root_gb, flavorid
DEFAULT_FLAVORS = (
    ("m1.tiny", 512, 1, 1, "1"),
    ("m1.small", 2048, 1, 20, "2"),
    ("m1.medium", 4096, 2, 40, "3"),
    ("m1.large", 8192, 4, 80, "4"),
    ("m1.xlarge", 16384, 8, 160, "5"),
)

DEFAULT_QUOTA_CLASS = {
    "instances": 10,
    "cores": 20,
    "ram": 51200,
    "key_pairs": 100,
    "metadata_items": 128,
    "server_groups": 10,
    "server_group_members": 10,
    "injected_files": 5,
    "injected_file_content_bytes": 10240,
    "injected_file_path_length": 255,
}


def _timestamps(soft_delete: bool) -> list[sa.Column]:
    columns = [sa.Column("created_at", sa.DateTime), sa.Column("updated_at", sa.DateTime)]
    if soft_delete:
        columns += [
            sa.Column("deleted_at", sa.DateTime),
            sa.Column("deleted", sa.Integer, server_default="0"),
        ]
    return columns


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer, primary_key=True, autoincrement=True, nullable=False)


def _str(name: str, length: int = 255, **kwargs) -> sa.Column:
    return sa.Column(name, sa.String(length), **kwargs)


def _create_instances() -> None:
    op.create_table(
        "instances",
        _id(),
        _str("uuid", 36, nullable=False),
        _str("user_id"),
        _str("project_id"),
        _str("image_ref"),
        _str("kernel_id"),
        _str("ramdisk_id"),
        _str("hostname"),
        sa.Column("launch_index", sa.Integer),
        _str("key_name"),
        sa.Column("key_data", MEDIUM_TEXT),
        sa.Column("power_state", sa.Integer),
        _str("vm_state"),
        _str("task_state"),
        sa.Column("memory_mb", sa.Integer),
        sa.Column("vcpus", sa.Integer),
        sa.Column("root_gb", sa.Integer),
        sa.Column("ephemeral_gb", sa.Integer),
        _str("host"),
        _str("node"),
        sa.Column("instance_type_id", sa.Integer),
        sa.Column("user_data", MEDIUM_TEXT),
        _str("reservation_id"),
        sa.Column("launched_at", sa.DateTime),
        sa.Column("terminated_at", sa.DateTime),
        _str("display_name"),
        _str("display_description"),
        _str("availability_zone"),
        sa.Column("locked", sa.Boolean),
        sa.Column("locked_by", sa.Enum("owner", "admin", name="instances0locked_by")),
        _str("os_type"),
        _str("architecture"),
        _str("vm_mode"),
        _str("root_device_name"),
        _str("default_ephemeral_device"),
        _str("default_swap_device"),
        _str("config_drive"),
        _str("access_ip_v4", 39),
        _str("access_ip_v6", 39),
        sa.Column("launched_on", sa.Text),
        sa.Column("auto_disk_config", sa.Boolean),
        sa.Column("shutdown_terminate", sa.Boolean),
        sa.Column("disable_terminate", sa.Boolean),
        sa.Column("progress", sa.Integer),
        sa.Column("cleaned", sa.Integer, server_default="0"),
        *_timestamps(soft_delete=True),
        sa.UniqueConstraint("uuid", name="uniq_instances0uuid"),
        **TABLE_ARGS,
    )
    for name, columns in (
        ("instances_project_id_idx", ["project_id"]),
        ("instances_project_id_deleted_idx", ["project_id", "deleted"]),
        ("instances_reservation_id_idx", ["reservation_id"]),
        ("instances_terminated_at_launched_at_idx", ["terminated_at", "launched_at"]),
        ("instances_uuid_deleted_idx", ["uuid", "deleted"]),
        ("instances_task_state_updated_at_idx", ["task_state", "updated_at"]),
        ("instances_host_node_deleted_idx", ["host", "node", "deleted"]),
        ("instances_host_deleted_cleaned_idx", ["host", "deleted", "cleaned"]),
        ("instances_deleted_created_at_idx", ["deleted", "created_at"]),
        ("instances_updated_at_project_id_idx", ["updated_at", "project_id"]),
    ):
        op.create_index(name, "instances", columns)


def _instance_fk(nullable: bool = True) -> sa.Column:
    return sa.Column(
        "instance_uuid", sa.String(36), sa.ForeignKey("instances.uuid"), nullable=nullable
    )


def _create_instance_children() -> None:
    op.create_table(
        "instance_metadata",
        _id(),
        _str("key"),
        _str("value"),
        _instance_fk(),
        *_timestamps(soft_delete=True),
        **TABLE_ARGS,
    )
    op.create_index("instance_metadata_instance_uuid_idx", "instance_metadata", ["instance_uuid"])
    op.create_table(
        "instance_system_metadata",
        _id(),
        _instance_fk(nullable=False),
        _str("key", nullable=False),
        _str("value"),
        *_timestamps(soft_delete=True),
        **TABLE_ARGS,
    )
    op.create_index("instance_uuid", "instance_system_metadata", ["instance_uuid"])
    op.create_table(
        "instance_extra",
        _id(),
        _instance_fk(nullable=False),
        *(
            sa.Column(name, sa.Text)
            for name in (
                "flavor",
                "numa_topology",
                "pci_requests",
                "vcpu_model",
                "migration_context",
                "keypairs",
                "device_metadata",
            )
        ),
        *_timestamps(soft_delete=True),
        **TABLE_ARGS,
    )
    op.create_index("instance_extra_idx", "instance_extra", ["instance_uuid"])
    op.create_table(
        "instance_actions",
        _id(),
        _str("action"),
        _instance_fk(),
        _str("request_id"),
        _str("user_id"),
        _str("project_id"),
        sa.Column("start_time", sa.DateTime),
        sa.Column("finish_time", sa.DateTime),
        _str("message"),
        *_timestamps(soft_delete=True),
        **TABLE_ARGS,
    )
    op.create_index("instance_uuid_idx", "instance_actions", ["instance_uuid"])
    op.create_index("request_id_idx", "instance_actions", ["request_id"])
    op.create_index(
        "instance_actions_instance_uuid_updated_at_idx",
        "instance_actions",
        ["instance_uuid", "updated_at"],
    )
    op.create_table(
        "instance_actions_events",
        _id(),
        _str("event"),
        sa.Column("action_id", sa.Integer, sa.ForeignKey("instance_actions.id")),
        sa.Column("start_time", sa.DateTime),
        sa.Column("finish_time", sa.DateTime),
        _str("result"),
        sa.Column("traceback", sa.Text),
        _str("host"),
        sa.Column("details", sa.Text),
        *_timestamps(soft_delete=True),
        **TABLE_ARGS,
    )
    op.create_index(
        "instance_actions_events_action_id_idx", "instance_actions_events", ["action_id"]
    )
    op.create_table(
        "instance_faults",
        _id(),
        _instance_fk(),
        sa.Column("code", sa.Integer, nullable=False),
        _str("message"),
        sa.Column("details", MEDIUM_TEXT),
        _str("host"),
        *_timestamps(soft_delete=True),
        **TABLE_ARGS,
    )
    op.create_index("instance_faults_host_idx", "instance_faults", ["host"])
    op.create_index(
        "instance_faults_instance_uuid_deleted_created_at_idx",
        "instance_faults",
        ["instance_uuid", "deleted", "created_at"],
    )


def _create_compute_nodes() -> None:
    op.create_table(
        "compute_nodes",
        _id(),
        _str("uuid", 36),
        sa.Column("service_id", sa.Integer),
        _str("host"),
        _str("hypervisor_hostname"),
        *(
            sa.Column(name, sa.Integer, nullable=False)
            for name in (
                "vcpus",
                "memory_mb",
                "local_gb",
                "vcpus_used",
                "memory_mb_used",
                "local_gb_used",
            )
        ),
        *(
            sa.Column(name, sa.Integer)
            for name in ("free_ram_mb", "free_disk_gb", "current_workload", "running_vms")
        ),
        sa.Column("hypervisor_type", sa.Text, nullable=False),
        sa.Column("hypervisor_version", sa.Integer, nullable=False),
        sa.Column("cpu_info", sa.Text, nullable=False),
        sa.Column("disk_available_least", sa.Integer),
        _str("host_ip", 39),
        sa.Column("stats", sa.Text),
        sa.Column("cpu_allocation_ratio", sa.Float),
        sa.Column("ram_allocation_ratio", sa.Float),
        sa.Column("disk_allocation_ratio", sa.Float),
        sa.Column("mapped", sa.Integer, server_default="0"),
        *_timestamps(soft_delete=True),
        sa.UniqueConstraint(
            "host",
            "hypervisor_hostname",
            "deleted",
            name="uniq_compute_nodes0host0hypervisor_hostname0deleted",
        ),
        **TABLE_ARGS,
    )
    op.create_index("compute_nodes_uuid_idx", "compute_nodes", ["uuid"], unique=True)


def _create_flavors() -> sa.Table:
    flavors = op.create_table(
        "flavors",
        _id(),
        _str("name", nullable=False),
        sa.Column("memory_mb", sa.Integer, nullable=False),
        sa.Column("vcpus", sa.Integer, nullable=False),
        sa.Column("root_gb", sa.Integer),
        sa.Column("ephemeral_gb", sa.Integer),
        _str("flavorid", nullable=False),
        sa.Column("swap", sa.Integer, nullable=False, server_default="0"),
        sa.Column("rxtx_factor", sa.Float),
        sa.Column("vcpu_weight", sa.Integer),
        sa.Column("disabled", sa.Boolean),
        sa.Column("is_public", sa.Boolean),
        sa.Column("description", sa.Text),
        *_timestamps(soft_delete=False),
        sa.UniqueConstraint("flavorid", name="uniq_flavors0flavorid"),
        sa.UniqueConstraint("name", name="uniq_flavors0name"),
        **TABLE_ARGS,
    )
    op.create_table(
        "flavor_extra_specs",
        _id(),
        _str("key", nullable=False),
        _str("value"),
        sa.Column("flavor_id", sa.Integer, sa.ForeignKey("flavors.id"), nullable=False),
        *_timestamps(soft_delete=False),
        sa.UniqueConstraint("flavor_id", "key", name="uniq_flavor_extra_specs0flavor_id0key"),
        **TABLE_ARGS,
    )
    op.create_index(
        "flavor_extra_specs_flavor_id_key_idx", "flavor_extra_specs", ["flavor_id", "key"]
    )
    op.create_table(
        "flavor_projects",
        _id(),
        sa.Column("flavor_id", sa.Integer, sa.ForeignKey("flavors.id"), nullable=False),
        _str("project_id", nullable=False),
        *_timestamps(soft_delete=False),
        sa.UniqueConstraint(
            "flavor_id", "project_id", name="uniq_flavor_projects0flavor_id0project_id"
        ),
        **TABLE_ARGS,
    )
    return flavors


def _create_key_pairs() -> None:
    op.create_table(
        "key_pairs",
        _id(),
        _str("name", nullable=False),
        _str("user_id", nullable=False),
        _str("fingerprint"),
        sa.Column("public_key", sa.Text),
        sa.Column(
            "type",
            sa.Enum("ssh", "x509", name="keypair_types"),
            nullable=False,
            server_default="ssh",
        ),
        *_timestamps(soft_delete=False),
        sa.UniqueConstraint("user_id", "name", name="uniq_key_pairs0user_id0name"),
        **TABLE_ARGS,
    )


def _create_aggregates() -> None:
    op.create_table(
        "aggregates",
        _id(),
        _str("uuid", 36),
        _str("name"),
        *_timestamps(soft_delete=False),
        sa.UniqueConstraint("name", name="uniq_aggregate0name"),
        **TABLE_ARGS,
    )
    op.create_index("aggregate_uuid_idx", "aggregates", ["uuid"])
    op.create_table(
        "aggregate_hosts",
        _id(),
        _str("host"),
        sa.Column("aggregate_id", sa.Integer, sa.ForeignKey("aggregates.id"), nullable=False),
        *_timestamps(soft_delete=False),
        sa.UniqueConstraint("host", "aggregate_id", name="uniq_aggregate_hosts0host0aggregate_id"),
        **TABLE_ARGS,
    )
    op.create_table(
        "aggregate_metadata",
        _id(),
        sa.Column("aggregate_id", sa.Integer, sa.ForeignKey("aggregates.id"), nullable=False),
        _str("key", nullable=False),
        _str("value", nullable=False),
        *_timestamps(soft_delete=False),
        sa.UniqueConstraint("aggregate_id", "key", name="uniq_aggregate_metadata0aggregate_id0key"),
        **TABLE_ARGS,
    )
    op.create_index("aggregate_metadata_key_idx", "aggregate_metadata", ["key"])


def _create_instance_groups() -> None:
    op.create_table(
        "instance_groups",
        _id(),
        _str("user_id"),
        _str("project_id"),
        _str("uuid", 36, nullable=False),
        _str("name"),
        *_timestamps(soft_delete=False),
        sa.UniqueConstraint("uuid", name="uniq_instance_groups0uuid"),
        **TABLE_ARGS,
    )
    op.create_table(
        "instance_group_policy",
        _id(),
        _str("policy"),
        sa.Column("rules", sa.Text),
        sa.Column("group_id", sa.Integer, sa.ForeignKey("instance_groups.id"), nullable=False),
        *_timestamps(soft_delete=False),
        **TABLE_ARGS,
    )
    op.create_index("instance_group_policy_policy_idx", "instance_group_policy", ["policy"])
    op.create_table(
        "instance_group_member",
        _id(),
        _str("instance_uuid"),
        sa.Column("group_id", sa.Integer, sa.ForeignKey("instance_groups.id"), nullable=False),
        *_timestamps(soft_delete=False),
        **TABLE_ARGS,
    )
    op.create_index(
        "instance_group_member_instance_idx", "instance_group_member", ["instance_uuid"]
    )


def _create_quotas() -> sa.Table:
    op.create_table(
        "quotas",
        _id(),
        _str("project_id"),
        _str("resource", nullable=False),
        sa.Column("hard_limit", sa.Integer),
        *_timestamps(soft_delete=False),
        sa.UniqueConstraint("project_id", "resource", name="uniq_quotas0project_id0resource"),
        **TABLE_ARGS,
    )
    op.create_table(
        "project_user_quotas",
        _id(),
        _str("project_id", nullable=False),
        _str("user_id", nullable=False),
        _str("resource", nullable=False),
        sa.Column("hard_limit", sa.Integer),
        *_timestamps(soft_delete=False),
        sa.UniqueConstraint(
            "user_id",
            "project_id",
            "resource",
            name="uniq_project_user_quotas0user_id0project_id0resource",
        ),
        **TABLE_ARGS,
    )
    op.create_index("project_user_quotas_project_id_idx", "project_user_quotas", ["project_id"])
    op.create_index("project_user_quotas_user_id_idx", "project_user_quotas", ["user_id"])
    quota_classes = op.create_table(
        "quota_classes",
        _id(),
        _str("class_name"),
        _str("resource"),
        sa.Column("hard_limit", sa.Integer),
        *_timestamps(soft_delete=False),
        **TABLE_ARGS,
    )
    op.create_index("quota_classes_class_name_idx", "quota_classes", ["class_name"])
    op.create_table(
        "quota_usages",
        _id(),
        _str("project_id"),
        _str("user_id"),
        _str("resource", nullable=False),
        sa.Column("in_use", sa.Integer, nullable=False),
        sa.Column("reserved", sa.Integer, nullable=False),
        sa.Column("until_refresh", sa.Integer),
        *_timestamps(soft_delete=True),
        sa.UniqueConstraint(
            "project_id",
            "user_id",
            "resource",
            "deleted",
            name="uniq_quota_usages0project_id0user_id0resource0deleted",
        ),
        **TABLE_ARGS,
    )
    op.create_index("ix_quota_usages_project_id", "quota_usages", ["project_id"])
    op.create_index("ix_quota_usages_user_id_deleted", "quota_usages", ["user_id", "deleted"])
    return quota_classes


def upgrade() -> None:
    _create_instances()
    _create_instance_children()
    _create_compute_nodes()
    flavors = _create_flavors()
    _create_key_pairs()
    _create_aggregates()
    _create_instance_groups()
    quota_classes = _create_quotas()

    # No explicit ids: PostgreSQL's sequence must hand out the next ones itself.
    op.bulk_insert(
        flavors,
        [
            {
                "name": name,
                "memory_mb": memory_mb,
                "vcpus": vcpus,
                "root_gb": root_gb,
                "ephemeral_gb": 0,
                "flavorid": flavorid,
                "swap": 0,
                "rxtx_factor": 1.0,
                "disabled": False,
                "is_public": True,
            }
            for name, memory_mb, vcpus, root_gb, flavorid in DEFAULT_FLAVORS
        ],
    )
    op.bulk_insert(
        quota_classes,
        [
            {"class_name": "default", "resource": resource, "hard_limit": limit}
            for resource, limit in DEFAULT_QUOTA_CLASS.items()
        ],
    )
