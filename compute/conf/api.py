"""Options of nova-api (the Compute API server), with Nova's names and groups."""

from oslo_config import cfg

api_server_opts = [
    cfg.HostAddressOpt(
        "osapi_compute_listen",
        default="0.0.0.0",
        help="IP address on which the Compute API listens.",
    ),
    cfg.PortOpt(
        "osapi_compute_listen_port",
        default=8774,
        help="Port on which the Compute API listens.",
    ),
    cfg.IntOpt(
        "osapi_compute_workers",
        min=1,
        help="Number of worker processes of the Compute API; the default is the number "
        "of CPUs.  Each serves [wsgi] default_pool_size requests at a time.",
    ),
]

api_opts = [
    cfg.StrOpt(
        "auth_strategy",
        default="keystone",
        choices=[
            ("keystone", "Validate tokens with Keystone (keystonemiddleware auth_token)."),
            ("noauth2", "Trust 'X-Auth-Token: user:project'; for testing only."),
        ],
        help="How API requests are authenticated.",
    ),
]


def list_opts() -> list[tuple[str, list[cfg.Opt]]]:
    return [("DEFAULT", api_server_opts), ("api", api_opts)]
