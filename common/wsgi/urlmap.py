"""Mount apps on URL prefixes, telling a version root from the API below it.

``/v2.1`` (and ``/v2.1/``) is the version document, served without authentication;
``/v2.1/+`` is everything below it, served by the authenticated pipeline.  In the
paste file::

    [composite:osapi_compute]
    use = call:common.wsgi.urlmap:urlmap_factory
    /: oscomputeversions
    /v2.1: oscomputeversion_v2
    /v2.1/+: openstack_compute_api_v21

A plain key matches that exact path (with or without a trailing slash); a key ending
in ``/+`` matches any longer path.  The mounted app sees the prefix moved from
PATH_INFO to SCRIPT_NAME.  Nothing matched: a 404 JSON fault.
"""

from __future__ import annotations

from typing import Any

from common.wsgi import faults


class URLMap:
    def __init__(self) -> None:
        self.exact: dict[str, Any] = {}
        self.prefixes: list[tuple[str, Any]] = []

    def mount(self, key: str, app: Any) -> None:
        if key.endswith("/+"):
            self.prefixes.append((key[:-2].rstrip("/"), app))
            self.prefixes.sort(key=lambda item: len(item[0]), reverse=True)
        else:
            self.exact[key.rstrip("/") or "/"] = app

    def _match(self, path: str) -> tuple[Any, str] | tuple[None, None]:
        normalized = path.rstrip("/") or "/"
        if normalized in self.exact:
            prefix = "" if normalized == "/" else normalized
            return self.exact[normalized], prefix
        for prefix, app in self.prefixes:
            if path.startswith(prefix + "/") and len(path) > len(prefix) + 1:
                return app, prefix
        return None, None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "") or "/"
        app, prefix = self._match(path)
        if app is None:
            response = faults.fault_response(404, "The resource could not be found.")
            return response(environ, start_response)
        environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + prefix
        environ["PATH_INFO"] = path[len(prefix) :] or "/"
        return app(environ, start_response)


def urlmap_factory(loader: Any, global_conf: dict[str, str], **local_conf: str) -> URLMap:
    urlmap = URLMap()
    for key, app_name in local_conf.items():
        if key.startswith("/"):
            urlmap.mount(key, loader.get_app(app_name, global_conf=global_conf))
    return urlmap
