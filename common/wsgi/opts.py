"""Options of the WSGI server and API pipeline."""

from oslo_config import cfg

wsgi_opts = [
    cfg.StrOpt(
        "api_paste_config",
        default="api-paste.ini",
        help="File name of the paste-deploy configuration of the API pipelines; "
        "relative names are looked up next to the config files and in etc/.",
    ),
    cfg.IntOpt(
        "default_pool_size",
        default=100,
        min=1,
        help="Threads each API worker process serves requests with.",
    ),
    cfg.IntOpt(
        "client_socket_timeout",
        default=900,
        min=0,
        help="Seconds an idle client connection is kept open.",
    ),
    cfg.IntOpt(
        "max_request_body_size",
        default=114688,
        min=1,
        help="Largest request body in bytes the APIs accept (larger ones get 413).",
    ),
]

policy_opts = [
    cfg.StrOpt(
        "policy_file",
        default="policy.yaml",
        help="Operator overrides of the default policy rules (oslo.policy syntax).",
    ),
]


def list_opts():
    return [("wsgi", wsgi_opts), ("oslo_policy", policy_opts)]
