"""Routes mapper -> controller action: the WSGI app at the end of each API pipeline.

Routes are declared as one table, as Nova's ``ROUTE_LIST`` does, so a reader sees the
whole API surface in one place::

    ROUTES = [
        ("/servers", {"GET": (ServersController, "index"),
                      "POST": (ServersController, "create")}),
        ("/servers/{id}/action", {"POST": (ServersController, "action")}),
    ]

Each controller class is instantiated once per app.  A path that exists with another
method answers 405 (with ``Allow``), an unknown path 404, both as JSON faults.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import routes
import webob.dec
import webob.exc

from common.wsgi import faults
from common.wsgi.microversion import VersionInfo
from common.wsgi.resource import Request, Resource

RouteTable = Iterable[tuple[str, Mapping[str, tuple[Callable[[], Any], str]]]]

PROJECT_ID_OPTIONAL = "optional"
PROJECT_ID_REQUIRED = "required"
PROJECT_ID_NEVER = "never"

# Where the project id is optional, only ids that look like Keystone's (hex, dashes)
# are taken for one, so "/v2.1/unknown" is a 404 and not a project mismatch (Nova's
# default project_id_regex).
OPTIONAL_PROJECT_ID_REGEX = r"[0-9a-f\-]+"

_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


class APIRouter:
    """Dispatch requests to controller actions through a Routes mapper.

    ``project_id_in_path`` says whether paths may (Nova v2.1), must (Cinder v3 at 3.0)
    or must not carry a leading ``/{project_id}`` segment.
    """

    def __init__(
        self,
        route_table: RouteTable,
        version_info: VersionInfo | None,
        project_id_in_path: str = PROJECT_ID_OPTIONAL,
    ) -> None:
        self.version_info = version_info
        self.mapper = routes.Mapper()
        self.resources: dict[Any, Resource] = {}
        for path, methods in route_table:
            for method, (controller_cls, action_name) in methods.items():
                resource = self._resource_for(controller_cls)
                self._connect(path, method, resource, action_name, project_id_in_path)

    def _resource_for(self, controller_cls: Callable[[], Any]) -> Resource:
        if controller_cls not in self.resources:
            self.resources[controller_cls] = Resource(controller_cls(), self.version_info)
        return self.resources[controller_cls]

    def _connect(
        self, path: str, method: str, resource: Resource, action_name: str, project_mode: str
    ) -> None:
        conditions = {"method": [method]}
        paths = []
        if project_mode != PROJECT_ID_REQUIRED:
            paths.append(path)
        if project_mode != PROJECT_ID_NEVER:
            # Without a project id first: "/servers/detail" must not read as project
            # "servers" asking for "/detail".
            token = (
                "{project_id:" + OPTIONAL_PROJECT_ID_REGEX + "}"
                if project_mode == PROJECT_ID_OPTIONAL
                else "{project_id}"
            )
            paths.append("/" + token + (path if path != "/" else ""))
        for candidate in paths:
            self.mapper.connect(
                candidate,
                controller=resource,
                action=action_name,
                conditions=conditions,
            )

    def _allowed_methods(self, path: str) -> list[str]:
        allowed = []
        for method in _METHODS:
            if self.mapper.match(path, environ={"REQUEST_METHOD": method}):
                allowed.append(method)
        return allowed

    @webob.dec.wsgify(RequestClass=Request)
    def __call__(self, req: Request) -> webob.Response:
        path = req.path_info or "/"
        match = self.mapper.match(path, environ=req.environ)
        if match is None and path != "/" and path.endswith("/"):
            match = self.mapper.match(path.rstrip("/"), environ=req.environ)
        if match is None:
            allowed = self._allowed_methods(path.rstrip("/") or "/") or self._allowed_methods(path)
            if allowed:
                return faults.fault_response(
                    405,
                    "The method specified is not allowed for this resource.",
                    {"Allow": ", ".join(allowed)},
                )
            return faults.fault_response(404, "The resource could not be found.")
        args = dict(match)
        resource = args.pop("controller")
        action_name = args.pop("action")
        return resource(req, action_name, args)


def router_factory(
    route_table: RouteTable, version_info: VersionInfo | None, project_id_in_path: str
) -> Callable[..., APIRouter]:
    """A paste ``app_factory`` building an :class:`APIRouter` for one service."""

    def factory(global_conf: dict[str, str], **local_conf: str) -> APIRouter:
        return APIRouter(route_table, version_info, project_id_in_path)

    return factory
