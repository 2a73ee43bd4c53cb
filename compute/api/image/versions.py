"""``GET /image`` (300) and ``GET /image/versions`` (200): Glance's version list.

keystoneauth (and so openstacksdk and python-openstackclient) discovers the image
endpoint from this document before any other request: ``{"versions": [{"id":
"v2.x", "status": "CURRENT"|"SUPPORTED", "links": [{"rel": "self", "href":
".../v2/"}]}, ...]}``.  Every minor version links to the same ``v2/`` root, as in
Glance.  No authentication, like Glance's and Nova's version documents.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import webob
import webob.dec

from common.wsgi.resource import Request
from compute.api.image import faults

# The Glance v2 minor versions whose behaviour this API offers: the image
# attributes os_hidden and os_hash_* came with 2.7; 2.8 and later are multi-store
# and cache management, which the local store has no use for.
CURRENT_VERSION = "2.7"
SUPPORTED_VERSIONS = ("2.6", "2.5", "2.4", "2.3", "2.2", "2.1", "2.0")

_VERSIONS_SUFFIXES = ("/versions", "/v2")


def api_root(req: Request) -> str:
    """The URL the image API is mounted at (``http://host:8774/image``)."""
    url = req.application_url.rstrip("/")
    for suffix in _VERSIONS_SUFFIXES:
        if url.endswith(suffix):
            return url[: -len(suffix)]
    return url


def version_list(root: str) -> list[dict[str, Any]]:
    href = f"{root.rstrip('/')}/v2/"
    versions = [(CURRENT_VERSION, "CURRENT")] + [(v, "SUPPORTED") for v in SUPPORTED_VERSIONS]
    return [
        {"id": f"v{version}", "status": status, "links": [{"rel": "self", "href": href}]}
        for version, status in versions
    ]


class VersionsApp:
    """The version list; ``explicit`` (``/versions``) answers 200, the root 300."""

    def __init__(self, explicit: bool) -> None:
        self.explicit = explicit

    @webob.dec.wsgify(RequestClass=Request)
    def __call__(self, req: Request) -> webob.Response:
        if req.method not in ("GET", "HEAD"):
            return faults.error_response(
                405,
                f"The method {req.method} is not allowed for this resource.",
                {"Allow": "GET, HEAD"},
            )
        response = webob.Response(
            status=200 if self.explicit else 300, content_type="application/json", charset=None
        )
        response.body = json.dumps({"versions": version_list(api_root(req))}).encode()
        return response


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def versions_app_factory(global_conf: dict[str, str], **local_conf: str) -> Callable:
    """Paste app: ``explicit = true`` for ``/image/versions`` (200), else the root (300)."""
    return VersionsApp(_flag(local_conf.get("explicit")))
