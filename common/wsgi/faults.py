"""OpenStack fault bodies: how every error leaves the API.

Nova and Cinder answer every error with ``{"<faultName>": {"code": N, "message": ...}}``
where the name depends only on the status code.  Clients (novaclient, openstacksdk)
read the message from that shape, so every error path in Novella goes through
:func:`fault_response` and never shows a traceback.
"""

from __future__ import annotations

import json
import logging

import webob
import webob.exc

from common import exception

LOG = logging.getLogger(__name__)

FAULT_NAMES: dict[int, str] = {
    400: "badRequest",
    401: "unauthorized",
    403: "forbidden",
    404: "itemNotFound",
    405: "badMethod",
    409: "conflictingRequest",
    413: "overLimit",
    415: "badMediaType",
    429: "overLimit",
    501: "notImplemented",
    503: "serviceUnavailable",
}
DEFAULT_FAULT_NAME = "computeFault"

GENERIC_ERROR = (
    "Unexpected API Error. Please report this at the service's bug tracker and attach "
    "the API log of request %(request_id)s if possible."
)

JSON_CONTENT_TYPE = "application/json"


def fault_name(code: int) -> str:
    return FAULT_NAMES.get(code, DEFAULT_FAULT_NAME)


def fault_response(
    code: int, message: str, headers: dict[str, str] | None = None
) -> webob.Response:
    """A JSON fault response with status ``code``."""
    name = fault_name(code)
    body = {name: {"code": code, "message": message}}
    if code in (413, 429) and headers and "Retry-After" in headers:
        body[name]["retryAfter"] = headers["Retry-After"]
    response = webob.Response(status=code, content_type=JSON_CONTENT_TYPE, charset=None)
    response.body = json.dumps(body).encode("utf-8")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _webob_message(exc: webob.exc.HTTPException) -> str:
    # ``detail`` is what the raiser wrote; ``explanation`` is webob's generic text.
    return str(getattr(exc, "detail", None) or exc.explanation or exc.title)


def exception_to_response(exc: BaseException, request_id: str | None = None) -> webob.Response:
    """Map any exception to its fault response, logging what the user must not see.

    - webob HTTP errors keep their status and message (and headers such as ``Allow``);
    - :class:`~common.exception.NovellaException` maps by ``code``; its message is shown
      only when the class is ``safe``, otherwise the generic text of that status;
    - anything else is a 500 whose traceback goes to the log only.
    """
    if isinstance(exc, webob.exc.HTTPException):
        code = exc.status_int
        headers = {k: v for k, v in exc.headers.items() if k in ("Allow", "Retry-After")}
        if code >= 500:
            LOG.error("API error %s: %s", code, _webob_message(exc))
        return fault_response(code, _webob_message(exc), headers)
    if isinstance(exc, exception.NovellaException):
        code = int(getattr(exc, "code", 500) or 500)
        if exc.safe:
            message = exc.format_message()
        else:
            message = webob.exc.status_map.get(code, webob.exc.HTTPInternalServerError).explanation
        if code >= 500:
            LOG.exception("API request failed: %s", exc.format_message(), exc_info=exc)
            if not exc.safe:
                message = GENERIC_ERROR % {"request_id": request_id or "-"}
        else:
            LOG.info("API request refused (%s): %s", code, exc.format_message())
        return fault_response(code, message)
    LOG.error("Unexpected error in API request", exc_info=exc)
    return fault_response(500, GENERIC_ERROR % {"request_id": request_id or "-"})
