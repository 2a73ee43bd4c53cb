"""Glance's error bodies: ``{"message": ..., "code": "404 Not Found", "title": ...}``.

Glance answers errors with webob's JSON error document, which differs from Nova's
``{"itemNotFound": {...}}``; clients (openstacksdk, glanceclient) read the message
from whichever shape the service they talk to uses, so the image API keeps Glance's.
"""

from __future__ import annotations

import json
import logging

import webob
import webob.exc

from common import exception as common_exc

LOG = logging.getLogger(__name__)


class ImageAPIError(Exception):
    """An error answer of the image API: status code, message, extra headers."""

    def __init__(self, code: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.headers = dict(headers or {})


def bad_request(message: str) -> ImageAPIError:
    return ImageAPIError(400, message)


def forbidden(message: str) -> ImageAPIError:
    return ImageAPIError(403, message)


def not_found(message: str = "The resource could not be found.") -> ImageAPIError:
    return ImageAPIError(404, message)


def conflict(message: str) -> ImageAPIError:
    return ImageAPIError(409, message)


def title(code: int) -> str:
    cls = webob.exc.status_map.get(code)
    return cls.title if cls is not None else "Error"


def error_response(
    code: int, message: str, headers: dict[str, str] | None = None
) -> webob.Response:
    body = {"message": message, "code": f"{code} {title(code)}", "title": title(code)}
    response = webob.Response(status=code, content_type="application/json", charset=None)
    response.body = json.dumps(body).encode("utf-8")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def exception_to_response(exc: BaseException, request_id: str | None = None) -> webob.Response:
    """Any exception of a controller as Glance's error body; tracebacks only in the log."""
    if isinstance(exc, ImageAPIError):
        return error_response(exc.code, exc.message, exc.headers)
    if isinstance(exc, webob.exc.HTTPException):
        message = str(getattr(exc, "detail", None) or exc.explanation or exc.title)
        return error_response(exc.status_int, message)
    if isinstance(exc, common_exc.NovellaException):
        code = int(getattr(exc, "code", 500) or 500)
        if code < 500 and exc.safe:
            LOG.info("Image API request refused (%s): %s", code, exc.format_message())
            return error_response(code, exc.format_message())
        LOG.error("Image API request failed: %s", exc.format_message(), exc_info=exc)
        return error_response(code, _generic(code, request_id))
    LOG.error("Unexpected error in image API request", exc_info=exc)
    return error_response(500, _generic(500, request_id))


def _generic(code: int, request_id: str | None) -> str:
    if code >= 500:
        return (
            "The server has either erred or is incapable of performing the requested "
            f"operation (request {request_id or '-'})."
        )
    return webob.exc.status_map.get(code, webob.exc.HTTPBadRequest).explanation
