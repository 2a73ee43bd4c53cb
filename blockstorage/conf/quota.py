"""Quota options of the block storage service (Cinder's names, in [DEFAULT])."""

from oslo_config import cfg

quota_opts = [
    cfg.IntOpt("quota_volumes", default=10, help="Number of volumes allowed per project."),
    cfg.IntOpt(
        "quota_snapshots", default=10, help="Number of volume snapshots allowed per project."
    ),
    cfg.IntOpt(
        "quota_gigabytes",
        default=1000,
        help="Total gigabytes of volumes and snapshots allowed per project.",
    ),
    cfg.IntOpt("quota_backups", default=10, help="Number of volume backups allowed per project."),
    cfg.IntOpt(
        "quota_backup_gigabytes",
        default=1000,
        help="Total gigabytes of backups allowed per project.",
    ),
    cfg.IntOpt("quota_groups", default=10, help="Number of groups allowed per project."),
    cfg.IntOpt(
        "per_volume_size_limit",
        default=-1,
        help="Largest volume size (GB) a project may create; -1 is unlimited.",
    ),
    cfg.BoolOpt(
        "use_default_quota_class",
        default=True,
        help="Take default limits from the 'default' quota class (else from these options).",
    ),
    cfg.BoolOpt(
        "no_snapshot_gb_quota",
        default=False,
        help="Whether snapshots do not count against the gigabytes quota.",
    ),
    cfg.StrOpt(
        "quota_driver",
        default="cinder.quota.DbQuotaDriver",
        help="Quota driver; Novella counts usage in the database (DbQuotaDriver).",
    ),
]


def list_opts() -> list[tuple[str, list[cfg.Opt]]]:
    return [("DEFAULT", quota_opts)]
