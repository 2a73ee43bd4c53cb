"""The controller framework every REST API in Novella is written with.

A controller is a plain class whose methods take ``(self, req, **route_args)`` plus
``body`` for POST/PUT/PATCH, and return a dict (serialized as JSON), ``None`` (empty
body), a :class:`ResponseObject` (to add headers or pick the code at run time) or a
ready ``webob.Response``.  :class:`Resource` does everything around the call: version
negotiation, JSON parsing, the server-action dispatch (``POST .../action`` with
``{"reboot": {...}}``), the success code and the fault body of any error.

    class ServersController(Controller):
        @response(202)
        @validation.schema(schemas.create)
        def create(self, req, body): ...

        @action("reboot")
        @response(202)
        def _reboot(self, req, id, body): ...
"""

from __future__ import annotations

import datetime
import inspect
import json
import logging
from collections.abc import Callable
from typing import Any

import webob
import webob.exc

from common import context as context_mod
from common import exception
from common.wsgi import faults
from common.wsgi.microversion import APIVersionRequest, VersionInfo

LOG = logging.getLogger(__name__)

CONTEXT_ENV = "novella.context"
REQUEST_ID_ENV = "openstack.request_id"
VERSION_ENV = "novella.api_version_request"

JSON_TYPES = ("application/json",)
BODY_METHODS = ("POST", "PUT", "PATCH")


class Request(webob.Request):
    """A webob request that knows its context and negotiated API version."""

    @property
    def context(self) -> context_mod.RequestContext | None:
        return self.environ.get(CONTEXT_ENV)

    @property
    def request_id(self) -> str | None:
        return self.environ.get(REQUEST_ID_ENV)

    @property
    def api_version_request(self) -> APIVersionRequest | None:
        return self.environ.get(VERSION_ENV)

    @api_version_request.setter
    def api_version_request(self, value: APIVersionRequest) -> None:
        self.environ[VERSION_ENV] = value

    def is_json_content_type(self) -> bool:
        """True for JSON bodies, including vendor types like ...compute+json."""
        content_type = (self.content_type or "").lower()
        return content_type in JSON_TYPES or content_type.endswith("+json")


class ResponseObject:
    """A controller result with its own status code and extra headers."""

    def __init__(
        self, obj: Any = None, code: int | None = None, headers: dict[str, str] | None = None
    ) -> None:
        self.obj = obj
        self.code = code
        self.headers = dict(headers or {})


def response(code: int) -> Callable[[Callable], Callable]:
    """Declare the success status of an action (default 200)."""

    def decorator(func: Callable) -> Callable:
        func.wsgi_code = code
        return func

    return decorator


def action(name: str) -> Callable[[Callable], Callable]:
    """Mark a method as the handler of server action ``name`` (``POST .../action``)."""

    def decorator(func: Callable) -> Callable:
        func.wsgi_action = name
        return func

    return decorator


class Controller:
    """Base class of controllers; collects the ``@action`` handlers."""

    def __init__(self) -> None:
        self.wsgi_actions: dict[str, Callable] = {}
        for attr_name in dir(type(self)):
            member = getattr(type(self), attr_name, None)
            name = getattr(member, "wsgi_action", None)
            if name:
                self.wsgi_actions[name] = getattr(self, attr_name)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def _accepts(func: Callable, arg: str) -> bool:
    try:
        params = inspect.signature(func).parameters
    except (TypeError, ValueError):
        return True
    return arg in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


class Resource:
    """Calls one action of one controller and turns its result into a response."""

    def __init__(self, controller: Any, version_info: VersionInfo | None) -> None:
        """``version_info`` None: an unversioned resource (the version documents)."""
        self.controller = controller
        self.version_info = version_info

    def __call__(
        self, req: Request, action_name: str, route_args: dict[str, Any]
    ) -> webob.Response:
        version_headers: dict[str, str] = {}
        try:
            if self.version_info is None:
                req.api_version_request = APIVersionRequest()
            else:
                req.api_version_request = self.version_info.negotiate(req.headers)
                version_headers = self.version_info.response_headers(req.api_version_request)
            result = self._dispatch(req, action_name, dict(route_args))
        except (webob.exc.HTTPException, exception.NovellaException) as exc:
            result = faults.exception_to_response(exc, req.request_id)
        for key, value in version_headers.items():
            result.headers[key] = value
        return result

    def _check_project(self, req: Request, route_args: dict[str, Any]) -> None:
        project_id = route_args.pop("project_id", None)
        ctxt = req.context
        if project_id and ctxt is not None and project_id != ctxt.project_id:
            raise webob.exc.HTTPBadRequest(
                detail=f"Malformed request URL: URL's project_id '{project_id}' doesn't "
                f"match Context's project_id '{ctxt.project_id}'"
            )

    def _parse_body(self, req: Request) -> Any:
        if req.method not in BODY_METHODS:
            return None
        raw = req.body
        if not raw:
            return None
        if req.content_type and not req.is_json_content_type():
            raise webob.exc.HTTPUnsupportedMediaType(
                detail=f"Unsupported Content-Type {req.content_type}"
            )
        try:
            return json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise webob.exc.HTTPBadRequest(detail="Malformed request body") from None

    def _find_method(self, action_name: str, body: Any) -> Callable:
        if action_name == "action":
            if not isinstance(body, dict) or len(body) != 1:
                raise webob.exc.HTTPBadRequest(detail="Malformed request body")
            name = next(iter(body))
            handler = getattr(self.controller, "wsgi_actions", {}).get(name)
            if handler is None:
                raise webob.exc.HTTPBadRequest(detail=f"There is no such action: {name}")
            return handler
        method = getattr(self.controller, action_name, None)
        if method is None:
            raise webob.exc.HTTPNotFound()
        return method

    def _dispatch(
        self, req: Request, action_name: str, route_args: dict[str, Any]
    ) -> webob.Response:
        self._check_project(req, route_args)
        route_args.pop("format", None)
        body = self._parse_body(req)
        method = self._find_method(action_name, body)
        if hasattr(method, "resolve"):
            method = method.resolve(req.api_version_request)
        if req.method in BODY_METHODS and _accepts(method, "body"):
            route_args["body"] = body
        result = method(req, **route_args)
        return self._serialize(method, result)

    @staticmethod
    def _serialize(method: Callable, result: Any) -> webob.Response:
        if isinstance(result, webob.Response):
            return result
        headers: dict[str, str] = {}
        code = getattr(method, "wsgi_code", 200)
        if isinstance(result, ResponseObject):
            code = result.code or code
            headers = result.headers
            result = result.obj
        resp = webob.Response(status=code, charset=None)
        if result is not None:
            resp.content_type = faults.JSON_CONTENT_TYPE
            resp.body = json.dumps(result, default=_json_default).encode("utf-8")
        else:
            resp.content_type = None
            resp.body = b""
        for key, value in headers.items():
            resp.headers[key] = value
        return resp
