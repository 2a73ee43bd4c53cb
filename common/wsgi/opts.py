"""Options of the WSGI server and API pipeline."""

from oslo_config import cfg
from oslo_policy import opts as policy_opts

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


def list_opts():
    # [oslo_policy] is oslo.policy's own group (policy_file, enforce_scope, ...):
    # listing its options here, rather than look-alikes, lets the Enforcer register
    # them again on the same CONF without a duplicate-option error.
    return [("wsgi", wsgi_opts), *policy_opts.list_opts()]
