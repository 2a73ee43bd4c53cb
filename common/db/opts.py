"""Database options, in the [database] group as oslo.db names them."""

from oslo_config import cfg

database_opts = [
    cfg.StrOpt(
        "connection",
        secret=True,
        help="SQLAlchemy URL of the service's database, e.g. "
        "mysql+pymysql://root@127.0.0.1/nova, postgresql://postgres@127.0.0.1/nova or "
        "sqlite:////var/lib/novella/nova.sqlite. Unset in worker processes (nova-compute), "
        "which reach the database only through nova-conductor.",
    ),
    cfg.IntOpt(
        "max_pool_size",
        default=5,
        min=1,
        help="Connections kept open in the SQLAlchemy pool.",
    ),
    cfg.IntOpt(
        "max_overflow",
        default=50,
        min=0,
        help="Connections allowed beyond max_pool_size under load.",
    ),
    cfg.IntOpt(
        "connection_recycle_time",
        default=3600,
        help="Seconds after which a pooled connection is replaced.",
    ),
    cfg.IntOpt(
        "max_retries",
        default=10,
        min=-1,
        help="Attempts to connect at start-up, and retries of a transaction that hit a "
        "deadlock or a lost connection; -1 retries forever.",
    ),
    cfg.FloatOpt(
        "retry_interval",
        default=1.0,
        help="Seconds between database reconnection attempts.",
    ),
]


def list_opts():
    return [("database", database_opts)]
