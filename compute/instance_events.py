"""Recording what happened to an instance: action events and faults.

Shared by nova-conductor and nova-compute so a user sees the same thing in
``os-instance-actions`` and in a server's ``fault`` whichever daemon failed.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import traceback
from collections.abc import Iterator
from typing import Any

from common.config import CONF

LOG = logging.getLogger(__name__)


def add_instance_fault(
    ctxt: Any,
    instance: Any,
    exc: BaseException,
    host: str | None = None,
    with_traceback: bool = True,
) -> None:
    """Store a fault for ``instance`` built from ``exc`` (message: what users see)."""
    from compute import objects

    code = getattr(exc, "code", 500) or 500
    message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
    if not message or (
        code == 500 and not getattr(exc, "safe", False) and not hasattr(exc, "format_message")
    ):
        message = exc.__class__.__name__
    details = ""
    if with_traceback:
        details = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    try:
        fault = objects.InstanceFault(
            ctxt,
            instance_uuid=instance.uuid,
            code=int(code),
            message=message[:255],
            details=details,
            host=host or CONF.host,
        )
        fault.create()
    except Exception:
        LOG.exception("could not record the fault of instance %s", instance.uuid)


@contextlib.contextmanager
def event_reporter(
    ctxt: Any, event: str, instance_uuid: str, host: str | None = None
) -> Iterator[None]:
    """Record an instance action event around a step (``compute_build_and_run_instance``)."""
    from compute import objects

    try:
        objects.InstanceActionEvent.event_start(
            ctxt, instance_uuid, event, want_result=False, host=host
        )
    except Exception as exc:
        LOG.debug("no action to record event %s of %s on: %s", event, instance_uuid, exc)
        yield
        return
    try:
        yield
    except BaseException:
        exc_type, exc_val, exc_tb = sys.exc_info()
        _finish(ctxt, instance_uuid, event, exc_val, exc_tb, host)
        raise
    _finish(ctxt, instance_uuid, event, None, None, host)


def _finish(
    ctxt: Any, instance_uuid: str, event: str, exc_val: Any, exc_tb: Any, host: str | None
) -> None:
    from compute import objects

    # Strings, not the exception: the call may cross the bus to the conductor.
    val = None if exc_val is None else str(exc_val) or exc_val.__class__.__name__
    tb = None if exc_tb is None else "".join(traceback.format_tb(exc_tb))
    try:
        objects.InstanceActionEvent.event_finish_with_failure(
            ctxt, instance_uuid, event, exc_val=val, exc_tb=tb, want_result=False
        )
    except Exception as exc:
        LOG.debug("could not finish event %s of %s: %s", event, instance_uuid, exc)
