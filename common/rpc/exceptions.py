"""Errors of the RPC layer, and how any exception crosses the bus and back.

A failure travels as ``{"class", "module", "message", "kwargs", "tb"}``. The caller
re-raises the same class when its module is on the allow-list (so ``InstanceNotFound``
raised by nova-compute is an ``InstanceNotFound`` in nova-api), and ``RemoteError``
otherwise: importing arbitrary modules named by a message would let a peer make us run
code we never meant to.
"""

from __future__ import annotations

import builtins
import importlib
import json
import logging
import traceback
from typing import Any

from common.exception import NovellaException

LOG = logging.getLogger(__name__)

ALLOWED_EXMODS: list[str] = [
    "common.exception",
    "compute.exception",
    "blockstorage.exception",
    "common.rpc.exceptions",
]


def add_allowed_exmods(modules: list[str]) -> None:
    """Let exceptions from more modules be re-raised as themselves on the caller."""
    for module in modules:
        if module not in ALLOWED_EXMODS:
            ALLOWED_EXMODS.append(module)


class RPCException(NovellaException):
    msg_fmt = "An unknown RPC related exception occurred."


class MessagingTimeout(RPCException):
    msg_fmt = "Timed out waiting for a reply to %(method)s on %(topic)s after %(timeout)s s"
    code = 504


class MessageDeliveryFailure(RPCException):
    msg_fmt = "Could not deliver message to %(destination)s: %(reason)s"


class UnsupportedVersion(RPCException):
    msg_fmt = "Endpoint does not support RPC version %(version)s. Attempted method: %(method)s"


class NoSuchMethod(RPCException):
    msg_fmt = "Endpoint does not support RPC method %(method)s"


class InvalidTarget(RPCException):
    msg_fmt = "Invalid target for %(action)s: %(reason)s"


class InvalidTransportURL(RPCException):
    msg_fmt = "Invalid transport URL %(url)s: %(reason)s"


class RemoteError(RPCException):
    """A remote exception whose class we may not (or cannot) rebuild here."""

    msg_fmt = "Remote error: %(exc_type)s %(value)s"

    def __init__(
        self,
        exc_type: str | None = None,
        value: str | None = None,
        traceback: str | None = None,
        message: str | None = None,
        **kwargs: Any,
    ) -> None:
        self.exc_type = exc_type
        self.value = value
        self.traceback = traceback
        super().__init__(message, exc_type=exc_type, value=value, **kwargs)


def _json_safe(values: dict[str, Any]) -> dict[str, Any]:
    safe = {}
    for key, value in values.items():
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            value = str(value)
        safe[key] = value
    return safe


def serialize_remote_exception(exc: BaseException) -> dict[str, Any]:
    """The wire form of an exception raised while dispatching a call."""
    cls = type(exc)
    if isinstance(exc, NovellaException):
        message = exc.format_message()
    else:
        message = str(exc)
    return {
        "class": cls.__name__,
        "module": cls.__module__,
        "message": message,
        "kwargs": _json_safe(getattr(exc, "kwargs", None) or {}),
        "tb": "".join(traceback.format_exception(exc)),
    }


def deserialize_remote_exception(failure: dict[str, Any]) -> Exception:
    """The exception to raise on the caller for a failure received in a reply."""
    name = failure.get("class", "Exception")
    module_name = failure.get("module", "builtins")
    message = failure.get("message", "")
    kwargs = dict(failure.get("kwargs") or {})
    remote_tb = failure.get("tb", "")
    remote = RemoteError(exc_type=name, value=message, traceback=remote_tb)
    if module_name != "builtins" and module_name not in ALLOWED_EXMODS:
        return remote
    try:
        module = builtins if module_name == "builtins" else importlib.import_module(module_name)
        cls = getattr(module, name)
        if not (isinstance(cls, type) and issubclass(cls, Exception)):
            return remote
        if issubclass(cls, NovellaException):
            exc = cls(message=message, **kwargs)
        else:
            exc = cls(message)
    except Exception:  # any class we cannot rebuild still reaches the caller
        LOG.debug("Cannot rebuild remote exception %s.%s", module_name, name, exc_info=True)
        return remote
    exc.remote_traceback = remote_tb  # type: ignore[attr-defined]
    return exc
