"""Options of the image service clients: Nova's ``[glance]`` group and ``[image]``.

``[image] backend`` chooses where images live: ``local`` (a directory of image files
with a JSON metadata file each; the embedded default, filled by ``nova-manage image
import``) or ``glance`` (a real Glance v2 API reached over HTTP).
"""

from oslo_config import cfg

image_opts = [
    cfg.StrOpt(
        "backend",
        default="local",
        choices=[
            ("local", "Images in a directory on this host ([image] local_store_path)."),
            ("glance", "A Glance v2 image service ([glance] api_servers or the catalog)."),
        ],
        help="Which image service Nova's processes read images from and write snapshots "
        "to.  Every process of one cloud must use the same backend (and, for 'local', "
        "the same directory).",
    ),
    cfg.StrOpt(
        "local_store_path",
        help="Directory of the local image store: one image file and one <id>.json "
        "metadata file per image.  Default: $state_path/images.",
    ),
]

glance_opts = [
    cfg.ListOpt(
        "api_servers",
        help="Glance API endpoints, e.g. http://127.0.0.1:9292 (a trailing /v2 is "
        "optional).  When several are given, a request that cannot connect is retried on "
        "the next one.  When unset, the 'image' endpoint of the request's service catalog "
        "is used.",
    ),
    cfg.IntOpt(
        "num_retries",
        default=3,
        min=0,
        help="How many times a Glance request that failed to connect (or got 503) is "
        "retried, moving through [glance] api_servers.",
    ),
    cfg.StrOpt(
        "region_name",
        help="Region of the image endpoint to take from the service catalog.",
    ),
    cfg.ListOpt(
        "valid_interfaces",
        default=["internal", "public"],
        help="Catalog interfaces to use for the image endpoint, in order of preference.",
    ),
    cfg.FloatOpt(
        "timeout",
        default=60.0,
        min=0,
        help="Seconds to wait for a Glance response (per attempt; downloads per chunk).",
    ),
    cfg.BoolOpt(
        "insecure",
        default=False,
        help="Do not verify the TLS certificate of the Glance endpoint.",
    ),
    cfg.StrOpt(
        "cafile",
        help="CA bundle used to verify the TLS certificate of the Glance endpoint.",
    ),
]


def list_opts() -> list[tuple[str, list[cfg.Opt]]]:
    return [("image", image_opts), ("glance", glance_opts)]
