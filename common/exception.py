"""Exceptions shared by both services: one class per meaning.

Each carries the HTTP code the API edge maps it to and a ``msg_fmt`` formatted with the
keyword arguments it was raised with, so the same exception can be re-raised on the
other side of the bus (see ``common.rpc.exceptions``) with the same message.
"""

from __future__ import annotations

from typing import Any


class NovellaException(Exception):
    msg_fmt = "An unknown exception occurred."
    code = 500
    safe = False

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        self.kwargs = kwargs
        self.kwargs.setdefault("code", self.code)
        if message is None:
            try:
                message = self.msg_fmt % kwargs
            except (KeyError, TypeError, ValueError):
                message = self.msg_fmt
        self.message = str(message)
        super().__init__(self.message)

    def format_message(self) -> str:
        return self.message


class Invalid(NovellaException):
    msg_fmt = "Bad request: %(reason)s"
    code = 400
    safe = True


class ValidationError(Invalid):
    msg_fmt = "Invalid input for field/attribute %(field)s. Value: %(value)s. %(reason)s"


class NotAuthenticated(NovellaException):
    msg_fmt = "Authentication required."
    code = 401
    safe = True


class Forbidden(NovellaException):
    msg_fmt = "Forbidden."
    code = 403
    safe = True


class PolicyNotAuthorized(Forbidden):
    msg_fmt = "Policy doesn't allow %(action)s to be performed."


class AdminRequired(Forbidden):
    msg_fmt = "User does not have admin privileges"


class NotFound(NovellaException):
    msg_fmt = "Resource could not be found."
    code = 404
    safe = True


class Conflict(NovellaException):
    msg_fmt = "Conflict: %(reason)s"
    code = 409
    safe = True


class OverQuota(Forbidden):
    msg_fmt = "Quota exceeded for resources: %(overs)s"


class ServiceUnavailable(NovellaException):
    msg_fmt = "Service is unavailable at this time."
    code = 503
    safe = True


class ConfigNotFound(NovellaException):
    msg_fmt = "Could not find config at %(path)s"


class ServiceNotFound(NotFound):
    msg_fmt = "Service %(service_id)s could not be found."


class HostBinaryNotFound(NotFound):
    msg_fmt = "Could not find binary %(binary)s on host %(host)s."


class ServiceBinaryExists(Conflict):
    msg_fmt = "Service with host %(host)s binary %(binary)s exists."


class ObjectActionError(NovellaException):
    msg_fmt = "Object action %(action)s failed because: %(reason)s"


class OrphanedObjectError(NovellaException):
    msg_fmt = "Cannot call %(method)s on orphaned %(objtype)s object"


class UnsupportedObjectError(NovellaException):
    msg_fmt = "Unsupported object type %(objtype)s"


class IncompatibleObjectVersion(NovellaException):
    msg_fmt = (
        "Version %(objver)s of %(objname)s is not supported, supported version is %(supported)s"
    )


class DBNotConfigured(NovellaException):
    msg_fmt = "This process has no database access: %(reason)s"


class DBConnectionError(ServiceUnavailable):
    msg_fmt = "Database connection failed: %(reason)s"
