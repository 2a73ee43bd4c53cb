"""Options read by cinder-api's volume logic and shared with cinder-volume (Cinder's
global options: zones, default type, name templates, the image service)."""

from oslo_config import cfg

volume_api_opts = [
    cfg.StrOpt(
        "storage_availability_zone",
        default="nova",
        help="Availability zone of this node; cinder-volume registers its backends in it.",
    ),
    cfg.BoolOpt(
        "allow_availability_zone_fallback",
        default=False,
        help="Create a volume that asks for an unknown availability zone in the default "
        "zone instead of refusing it.",
    ),
    cfg.StrOpt(
        "default_volume_type",
        default="__DEFAULT__",
        help="Volume type given to volumes created without one.",
    ),
    cfg.StrOpt(
        "volume_name_template",
        default="volume-%s",
        help="Template of a volume's name on its backend (the volume id is substituted).",
    ),
    cfg.StrOpt(
        "snapshot_name_template",
        default="snapshot-%s",
        help="Template of a snapshot's name on its backend (the snapshot id is substituted).",
    ),
    cfg.BoolOpt(
        "snapshot_same_host",
        default=True,
        help="Create a volume from a snapshot on the backend holding the snapshot.",
    ),
    cfg.ListOpt(
        "glance_api_servers",
        default=[],
        help="Image service endpoints (http://host:port[/path]) used to look up and "
        "download images; empty means the catalog of the request.",
    ),
    cfg.IntOpt(
        "glance_request_timeout",
        default=30,
        help="Seconds to wait for an answer from the image service.",
    ),
]


def list_opts() -> list[tuple[str, list[cfg.Opt]]]:
    return [("DEFAULT", volume_api_opts)]
