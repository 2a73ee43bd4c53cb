"""Quota options (Nova's ``[quota]`` group): the default limits of every project.

A project's own limits (``os-quota-sets``) win over these; the ``default`` quota class
rows seeded by ``db sync`` hold the same values and win only while the option is left at
its built-in default (see ``compute.objects.quotas``).  -1 means unlimited.
"""

from oslo_config import cfg

quota_opts = [
    cfg.IntOpt("instances", default=10, min=-1, help="Servers a project may have (-1: unlimited)."),
    cfg.IntOpt("cores", default=20, min=-1, help="Instance cores (vCPUs) a project may use."),
    cfg.IntOpt("ram", default=50 * 1024, min=-1, help="Megabytes of RAM a project may use."),
    cfg.IntOpt("metadata_items", default=128, min=-1, help="Metadata items allowed per server."),
    cfg.IntOpt("injected_files", default=5, min=-1, help="Files injected per server."),
    cfg.IntOpt(
        "injected_file_content_bytes",
        default=10 * 1024,
        min=-1,
        help="Bytes allowed per injected file.",
    ),
    cfg.IntOpt(
        "injected_file_path_length",
        default=255,
        min=-1,
        help="Characters allowed in an injected file's path.",
    ),
    cfg.IntOpt("key_pairs", default=100, min=-1, help="Key pairs allowed per user."),
    cfg.IntOpt("server_groups", default=10, min=-1, help="Server groups a project may have."),
    cfg.IntOpt(
        "server_group_members", default=10, min=-1, help="Servers allowed per server group."
    ),
    cfg.StrOpt(
        "driver",
        default="nova.quota.DbQuotaDriver",
        choices=[
            ("nova.quota.DbQuotaDriver", "Limits from the database, usage counted there."),
            ("nova.quota.NoopQuotaDriver", "No limits: every check passes."),
        ],
        help="How quotas are enforced.",
    ),
]


def list_opts() -> list[tuple[str, list[cfg.Opt]]]:
    return [("quota", quota_opts)]
