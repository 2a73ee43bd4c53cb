"""Who is calling: the noauth2 and keystone paths, and the pipeline chooser.

Both paths end with a :class:`common.context.RequestContext` in environ
``novella.context``:

- ``noauth2`` (Nova's semantics, for the embedded default and tests): the token is
  ``user:project`` (project defaults to user) and user ``admin`` is an admin.  A
  request without ``X-Auth-Token`` gets the fake-auth answer: 204 with the token to
  use in ``X-Auth-Token`` and the endpoint in ``X-Server-Management-Url``.
- ``keystone``: keystonemiddleware's ``auth_token`` (configured by
  ``[keystone_authtoken]``) validates the token and sets the ``X-*`` identity headers;
  :class:`KeystoneContext` builds the context from them.

:func:`pipeline_factory` picks the pipeline from the service's ``auth_strategy``, as
Nova's ``pipeline_factory_v21`` does.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from typing import Any

import webob
import webob.dec

from common import context as context_mod
from common.config import CONF
from common.wsgi import faults
from common.wsgi.resource import CONTEXT_ENV, Request

LOG = logging.getLogger(__name__)

ADMIN_ROLES = ["admin", "member", "reader"]
MEMBER_ROLES = ["member", "reader"]


def _request_id(req: Request) -> str:
    return req.request_id or context_mod.generate_request_id()


class NoAuthMiddleware:
    """Trust ``X-Auth-Token: user:project``; user ``admin`` gets the admin role."""

    def __init__(
        self, application: Any, project_id_in_url: bool = True, always_admin: bool = False
    ) -> None:
        self.application = application
        self.project_id_in_url = project_id_in_url
        # Cinder's "noauth" makes every caller an admin; Nova's "noauth2" only "admin".
        self.always_admin = always_admin

    @webob.dec.wsgify(RequestClass=Request)
    def __call__(self, req: Request) -> Any:
        token = req.headers.get("X-Auth-Token")
        if token is None:
            user_id = req.headers.get("X-Auth-User", "admin")
            project_id = req.headers.get("X-Auth-Project-Id", "admin")
            url = req.url.rstrip("/")
            if self.project_id_in_url:
                url = f"{url}/{project_id}"
            res = webob.Response(status=204, content_type="text/plain", charset=None)
            res.headers["X-Auth-Token"] = f"{user_id}:{project_id}"
            res.headers["X-Server-Management-Url"] = url
            return res
        user_id, _sep, project_id = token.partition(":")
        project_id = project_id or user_id
        is_admin = self.always_admin or user_id == "admin"
        req.environ[CONTEXT_ENV] = context_mod.RequestContext(
            user_id=user_id,
            project_id=project_id,
            user_name=user_id,
            project_name=project_id,
            roles=list(ADMIN_ROLES if is_admin else MEMBER_ROLES),
            is_admin=is_admin,
            auth_token=token,
            request_id=_request_id(req),
            remote_address=req.remote_addr,
        )
        return self.application


class KeystoneContext:
    """Build the request context from the headers keystonemiddleware's auth_token set."""

    def __init__(self, application: Any) -> None:
        self.application = application

    @webob.dec.wsgify(RequestClass=Request)
    def __call__(self, req: Request) -> Any:
        if req.headers.get("X-Identity-Status", "Confirmed") != "Confirmed":
            return faults.fault_response(401, "The request you have made requires authentication.")
        user_id = req.headers.get("X-User-Id") or req.headers.get("X-User")
        if not user_id:
            LOG.debug("Neither X-User-Id nor X-User found in the request")
            return faults.fault_response(401, "The request you have made requires authentication.")
        roles = [r.strip() for r in req.headers.get("X-Roles", "").split(",") if r.strip()]
        catalog: list[dict[str, Any]] = []
        raw_catalog = req.headers.get("X-Service-Catalog")
        if raw_catalog:
            try:
                catalog = json.loads(raw_catalog)
            except ValueError:
                return faults.fault_response(500, "Invalid service catalog json.")
        req.environ[CONTEXT_ENV] = context_mod.RequestContext(
            user_id=user_id,
            project_id=req.headers.get("X-Project-Id") or req.headers.get("X-Tenant-Id"),
            user_name=req.headers.get("X-User-Name"),
            project_name=req.headers.get("X-Project-Name") or req.headers.get("X-Tenant-Name"),
            roles=roles,
            auth_token=req.headers.get("X-Auth-Token"),
            service_catalog=catalog if isinstance(catalog, list) else [],
            request_id=_request_id(req),
            remote_address=req.remote_addr,
        )
        return self.application


def _flag(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


def noauth2_factory(global_conf: dict[str, str], **local_conf: str) -> Callable:
    in_url = _flag(local_conf.get("project_id_in_url", "true"))
    always_admin = _flag(local_conf.get("always_admin", "false"))

    def filter_(app: Any) -> NoAuthMiddleware:
        return NoAuthMiddleware(app, project_id_in_url=in_url, always_admin=always_admin)

    return filter_


def keystone_context_factory(global_conf: dict[str, str], **local_conf: str) -> Callable:
    return KeystoneContext


def authtoken_factory(global_conf: dict[str, str], **local_conf: str) -> Callable:
    """paste ``filter_factory`` of keystonemiddleware's auth_token, made to always 401.

    Without ``[keystone_authtoken] www_authenticate_uri`` keystonemiddleware asks its
    auth plugin where clients should authenticate when it rejects a request; with no
    plugin configured that raises and a token-less request became a 500.  Here the
    rejection keeps its 401 and names the plugin's ``auth_url`` (or nothing) instead.
    """
    conf = {**global_conf, **local_conf}
    protocol = _authtoken_class()

    def filter_(app: Any) -> Any:
        return protocol(app, conf)

    return filter_


@functools.cache
def _authtoken_class() -> type:
    # Imported on first use: the noauth2 pipelines never load keystonemiddleware.
    from keystoneauth1 import exceptions as ksa_exceptions
    from keystonemiddleware import auth_token

    class AuthProtocol(auth_token.AuthProtocol):
        def __init__(self, app: Any, conf: dict[str, str]) -> None:
            super().__init__(app, conf)
            if self._auth is None:
                LOG.error(
                    "[keystone_authtoken] sets no auth_type: tokens cannot be validated "
                    "until the service user's credentials are configured"
                )

        @property
        def www_authenticate_uri(self) -> str:
            try:
                uri = super().www_authenticate_uri
            except ksa_exceptions.ClientException as exc:
                LOG.warning("Cannot tell clients where to authenticate: %s", exc)
                uri = None
            return uri or getattr(self._auth, "auth_url", None) or ""

    return AuthProtocol


def _option_value(path: str) -> str:
    group, _dot, name = path.rpartition(".")
    return getattr(getattr(CONF, group) if group else CONF, name)


def pipeline_factory(loader: Any, global_conf: dict[str, str], **local_conf: str) -> Any:
    """Paste composite: the pipeline named by the service's auth strategy.

    ``auth_strategy_option`` names the option holding it (``api.auth_strategy`` for
    Nova, ``auth_strategy`` for Cinder); the other keys are one pipeline per strategy,
    filters first and the app last.
    """
    option = local_conf.pop("auth_strategy_option", "api.auth_strategy")
    strategy = _option_value(option)
    if strategy not in local_conf:
        raise ValueError(f"No API pipeline for auth_strategy {strategy!r}")
    names = local_conf[strategy].split()
    filters = [loader.get_filter(name) for name in names[:-1]]
    app = loader.get_app(names[-1])
    for filter_ in reversed(filters):
        app = filter_(app)
    LOG.debug("API pipeline for auth_strategy %s: %s", strategy, " -> ".join(names))
    return app
