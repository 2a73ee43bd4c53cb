"""Options of server creation and naming that Nova's compute API reads (Nova's names)."""

from oslo_config import cfg

server_opts = [
    cfg.StrOpt(
        "multi_instance_display_name_template",
        default="%(name)s-%(count)d",
        help="Name of each server when one request creates several: formatted with "
        "name (the requested name), count (1, 2, ...) and uuid.",
    ),
    cfg.IntOpt(
        "password_length",
        default=12,
        min=0,
        help="Length of the admin passwords the API generates for new and rebuilt servers.",
    ),
]

api_server_opts = [
    cfg.BoolOpt(
        "enable_instance_password",
        default=True,
        help="Whether server create and rebuild answers carry the server's adminPass.",
    ),
]


def list_opts() -> list[tuple[str, list[cfg.Opt]]]:
    return [("DEFAULT", server_opts), ("api", api_server_opts)]
