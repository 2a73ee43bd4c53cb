"""Logging set-up for daemons: one format everywhere, with the request id in it."""

from __future__ import annotations

import logging
import sys
import threading

from oslo_config import cfg

_local = threading.local()

log_opts = [
    cfg.BoolOpt("debug", default=False, help="Log at DEBUG level instead of INFO."),
    cfg.StrOpt("log_file", help="Log to this file instead of standard error."),
    cfg.StrOpt(
        "log_format",
        default="%(asctime)s %(process)d %(levelname)s %(name)s [%(request_id)s] %(message)s",
        help="Python logging format; %(request_id)s is the request id of the current work.",
    ),
]


def list_opts():
    return [("DEFAULT", log_opts)]


def set_request_id(request_id: str | None) -> None:
    """Remember the request id of the work this thread does, for the log format."""
    _local.request_id = request_id


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = getattr(_local, "request_id", None) or "-"
        return True


def setup(conf: cfg.ConfigOpts, name: str) -> None:
    """(Re)configure the root logger from ``conf``; safe to call again on SIGHUP."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    handler: logging.Handler
    if conf.log_file:
        handler = logging.FileHandler(conf.log_file)
    else:
        handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_RequestIdFilter())
    handler.setFormatter(logging.Formatter(conf.log_format))
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if conf.debug else logging.INFO)
    for noisy in ("amqp", "kombu", "urllib3", "alembic.runtime.migration"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logging.getLogger(name).debug("logging configured")
