"""Options of the service runtime (workers, periodic tasks)."""

from oslo_config import cfg

service_opts = [
    cfg.BoolOpt(
        "periodic_enable",
        default=True,
        help="Run the service's periodic tasks.",
    ),
    cfg.IntOpt(
        "periodic_fuzzy_delay",
        default=0,
        min=0,
        help="Up to this many seconds of random delay before the first periodic run, so "
        "that many services started together do not all hit the database at once.",
    ),
]


def list_opts():
    return [("DEFAULT", service_opts)]
