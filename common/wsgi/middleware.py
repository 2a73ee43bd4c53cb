"""The generic filters of every API pipeline: request id, fault wrapper, body size.

Each is a paste ``filter_factory`` (``[filter:request_id] paste.filter_factory =
common.wsgi.middleware:request_id_factory``).  Order in the pipelines:
request_id -> faultwrap -> sizelimit -> auth -> app, so every response, even the fault
of a crash in the auth filter, carries the request id and a JSON body.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

import webob.dec
import webob.exc

from common import context as context_mod
from common import log
from common.config import CONF
from common.wsgi import faults
from common.wsgi.resource import REQUEST_ID_ENV, Request

LOG = logging.getLogger(__name__)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

REQUEST_ID_HEADER = "x-openstack-request-id"


class RequestIdMiddleware:
    """Give each request an id (``req-<uuid>``), log with it and return it.

    ``compat_headers`` names extra response headers carrying the same id (Nova
    returns ``X-Compute-Request-Id`` too).
    """

    def __init__(self, application: WSGIApp, compat_headers: Iterable[str] = ()) -> None:
        self.application = application
        self.compat_headers = tuple(compat_headers)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request_id = context_mod.generate_request_id()
        environ[REQUEST_ID_ENV] = request_id
        log.set_request_id(request_id)

        def add_headers(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            names = {name.lower() for name, _ in headers}
            for header in (REQUEST_ID_HEADER, *self.compat_headers):
                if header.lower() not in names:
                    headers.append((header, request_id))
            return start_response(status, headers, exc_info)

        try:
            return self.application(environ, add_headers)
        finally:
            log.set_request_id(None)


class FaultWrapper:
    """Turn any exception escaping the rest of the pipeline into a JSON fault."""

    def __init__(self, application: WSGIApp) -> None:
        self.application = application

    @webob.dec.wsgify(RequestClass=Request)
    def __call__(self, req: Request) -> Any:
        try:
            return req.get_response(self.application)
        except Exception as exc:  # the one place where everything is caught
            return faults.exception_to_response(exc, req.request_id)


class _LimitingReader:
    """Reads at most ``limit`` bytes of a body of unknown length, else 413."""

    def __init__(self, stream: Any, limit: int) -> None:
        self.stream = stream
        self.limit = limit
        self.bytes_read = 0

    def _count(self, data: bytes) -> bytes:
        self.bytes_read += len(data)
        if self.bytes_read > self.limit:
            raise webob.exc.HTTPRequestEntityTooLarge(detail="Request is too large.")
        return data

    def read(self, size: int = -1) -> bytes:
        return self._count(self.stream.read(size))

    def readline(self, size: int = -1) -> bytes:
        return self._count(self.stream.readline(size))

    def __iter__(self) -> Any:
        for chunk in self.stream:
            yield self._count(chunk)


class RequestBodySizeLimiter:
    """Refuse bodies larger than ``[wsgi] max_request_body_size`` with 413 overLimit."""

    def __init__(self, application: WSGIApp, limit: int | None = None) -> None:
        self.application = application
        self.limit = limit

    @webob.dec.wsgify(RequestClass=Request)
    def __call__(self, req: Request) -> Any:
        limit = self.limit or CONF.wsgi.max_request_body_size
        if req.content_length is not None and req.content_length > limit:
            return faults.fault_response(413, "Request is too large.")
        if req.content_length is None and req.is_body_readable:
            req.body_file = _LimitingReader(req.body_file_raw, limit)
        return self.application


def request_id_factory(global_conf: dict[str, str], **local_conf: str) -> Callable[[WSGIApp], Any]:
    compat = [h.strip() for h in local_conf.get("compat_headers", "").split(",") if h.strip()]

    def filter_(app: WSGIApp) -> RequestIdMiddleware:
        return RequestIdMiddleware(app, compat)

    return filter_


def fault_wrapper_factory(global_conf: dict[str, str], **local_conf: str) -> Callable:
    return FaultWrapper


def sizelimit_factory(global_conf: dict[str, str], **local_conf: str) -> Callable:
    limit = (
        int(local_conf["max_request_body_size"]) if "max_request_body_size" in local_conf else None
    )

    def filter_(app: WSGIApp) -> RequestBodySizeLimiter:
        return RequestBodySizeLimiter(app, limit)

    return filter_
