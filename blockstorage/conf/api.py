"""Options of cinder-api (the Block Storage API server), with Cinder's names."""

from oslo_config import cfg

api_server_opts = [
    cfg.HostAddressOpt(
        "osapi_volume_listen",
        default="0.0.0.0",
        help="IP address on which the Block Storage API listens.",
    ),
    cfg.PortOpt(
        "osapi_volume_listen_port",
        default=8776,
        help="Port on which the Block Storage API listens.",
    ),
    cfg.IntOpt(
        "osapi_volume_workers",
        min=1,
        help="Number of worker processes of the Block Storage API; the default is the "
        "number of CPUs.",
    ),
    cfg.StrOpt(
        "auth_strategy",
        default="keystone",
        choices=[
            ("keystone", "Validate tokens with Keystone (keystonemiddleware auth_token)."),
            ("noauth", "Trust 'X-Auth-Token: user:project' and make every caller an admin."),
            ("noauth2", "Trust 'X-Auth-Token: user:project'; user 'admin' is an admin."),
        ],
        help="How Block Storage API requests are authenticated; noauth modes are for testing only.",
    ),
    cfg.IntOpt(
        "osapi_max_limit",
        default=1000,
        min=1,
        help="The most items a collection returns in one response.",
    ),
    cfg.ListOpt(
        "query_volume_filters",
        default=["name", "status", "metadata", "availability_zone", "bootable", "group_id"],
        help="Volume list filters non-admin users may use; others are ignored for them.",
    ),
]


def list_opts() -> list[tuple[str, list[cfg.Opt]]]:
    return [("DEFAULT", api_server_opts)]
