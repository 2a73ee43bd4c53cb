"""Whether a service is up: its last heartbeat is younger than ``service_down_time``.

One definition, used by nova-manage / cinder-manage, the os-services API and the
scheduler's ComputeFilter, so they never disagree.
"""

from __future__ import annotations

import datetime as dt

from common.config import CONF


def utcnow() -> dt.datetime:
    """Naive UTC now: the timestamps in the services tables are naive UTC, as in Nova."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def last_heartbeat(
    last_seen_up: dt.datetime | None,
    updated_at: dt.datetime | None,
    created_at: dt.datetime | None,
) -> dt.datetime | None:
    return last_seen_up or updated_at or created_at


def is_up(
    last_seen_up: dt.datetime | None,
    updated_at: dt.datetime | None = None,
    created_at: dt.datetime | None = None,
    forced_down: bool = False,
    down_time: int | None = None,
) -> bool:
    if forced_down:
        return False
    seen = last_heartbeat(last_seen_up, updated_at, created_at)
    if seen is None:
        return False
    if seen.tzinfo is not None:
        seen = seen.astimezone(dt.UTC).replace(tzinfo=None)
    limit = CONF.service_down_time if down_time is None else down_time
    return abs((utcnow() - seen).total_seconds()) <= limit
