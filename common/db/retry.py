"""Run a whole unit of database work again after a deadlock or a lost connection.

Both failures abort the transaction without changing anything, so the only correct
recovery is to start the unit of work over from the top, in a fresh transaction; that is
why the decorator goes on the DB API function that opens the session, not inside it.
Anything else (a duplicate key, a programming error) propagates at once.
"""

from __future__ import annotations

import functools
import logging
import random
import threading
import time
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar, overload

from common.db import errors

LOG = logging.getLogger(__name__)

MAX_RETRY_INTERVAL = 10.0
_RETRIABLE = (errors.Kind.DEADLOCK, errors.Kind.DISCONNECT)

P = ParamSpec("P")
R = TypeVar("R")

# Only the outermost decorated call retries: an inner one re-running its own piece
# inside a transaction the server already aborted would not help, and nested retries
# would multiply the attempts.
_depth = threading.local()


def _conf_value(name: str, fallback: Any) -> Any:
    try:
        from common.config import CONF

        return getattr(CONF.database, name)
    except Exception:  # options not registered / not parsed: use the built-in default
        return fallback


def backoff(attempt: int, retry_interval: float, jitter: bool) -> float:
    """Seconds to sleep before retry number ``attempt`` (1-based): doubling, capped.

    Deadlocks get jitter so the two parties of a deadlock do not collide again.
    """
    delay = min(retry_interval * (2 ** (attempt - 1)), MAX_RETRY_INTERVAL)
    if jitter:
        delay *= random.uniform(0.5, 1.0)
    return delay


def _run_with_retries(
    func: Callable[P, R],
    max_retries: int | None,
    retry_interval: float | None,
    args: Any,
    kwargs: Any,
) -> R:
    limit = _conf_value("max_retries", 10) if max_retries is None else max_retries
    interval = _conf_value("retry_interval", 1.0) if retry_interval is None else retry_interval
    attempt = 0
    while True:
        try:
            return func(*args, **kwargs)
        except Exception as error:
            kind = errors.classify(error)
            if kind not in _RETRIABLE or (limit != -1 and attempt >= limit):
                raise
            attempt += 1
            delay = backoff(attempt, interval, jitter=kind is errors.Kind.DEADLOCK)
            LOG.warning(
                "DB %s in %s, retry %d/%s in %.2fs: %s",
                kind.value,
                getattr(func, "__qualname__", func),
                attempt,
                "inf" if limit == -1 else limit,
                delay,
                error,
            )
            time.sleep(delay)


@overload
def retry_on_db_error(func: Callable[P, R]) -> Callable[P, R]: ...


@overload
def retry_on_db_error(
    *, max_retries: int | None = None, retry_interval: float | None = None
) -> Callable[[Callable[P, R]], Callable[P, R]]: ...


def retry_on_db_error(
    func: Callable[P, R] | None = None,
    *,
    max_retries: int | None = None,
    retry_interval: float | None = None,
) -> Any:
    """Decorator: retry ``func`` on deadlock / lost connection with exponential back-off.

    ``max_retries`` and ``retry_interval`` default to ``[database] max_retries`` and
    ``retry_interval`` read at call time; ``max_retries=-1`` retries forever.  Usable bare
    (``@retry_on_db_error``) or with arguments.
    """

    def decorate(inner: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(inner)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            depth = getattr(_depth, "value", 0)
            if depth:
                return inner(*args, **kwargs)
            _depth.value = 1
            try:
                return _run_with_retries(inner, max_retries, retry_interval, args, kwargs)
            finally:
                _depth.value = 0

        return wrapper

    if func is not None:
        return decorate(func)
    return decorate
