"""Compute API version documents: ``GET /`` and ``GET /v2.1`` (and legacy ``/v2``).

They need no authentication; clients (novaclient, openstacksdk, keystoneauth) read
them to discover the microversion range before anything else, so their shape is
exactly Nova's.
"""

from __future__ import annotations

import copy
from typing import Any

from common.wsgi.resource import Controller, Request
from common.wsgi.router import PROJECT_ID_NEVER, APIRouter
from compute.api.openstack import api_version

DOCS_LINK = {"rel": "describedby", "type": "text/html", "href": "http://docs.openstack.org/"}

VERSIONS: dict[str, dict[str, Any]] = {
    "v2.0": {
        "id": "v2.0",
        "status": "SUPPORTED",
        "version": "",
        "min_version": "",
        "updated": "2011-01-21T11:33:21Z",
        "links": [DOCS_LINK],
        "media-types": [
            {"base": "application/json", "type": "application/vnd.openstack.compute+json;version=2"}
        ],
    },
    "v2.1": {
        "id": "v2.1",
        "status": "CURRENT",
        "version": api_version.MAX_API_VERSION,
        "min_version": api_version.MIN_API_VERSION,
        "updated": "2013-07-23T11:33:21Z",
        "links": [DOCS_LINK],
        "media-types": [
            {
                "base": "application/json",
                "type": "application/vnd.openstack.compute+json;version=2.1",
            }
        ],
    },
}

# The URL segment each major version is served under.
_URL_SEGMENT = {"v2.0": "v2", "v2.1": "v2.1"}


def _root_url(req: Request) -> str:
    url = req.application_url.rstrip("/")
    for segment in _URL_SEGMENT.values():
        if url.endswith("/" + segment):
            return url[: -len(segment) - 1]
    return url


class VersionsController(Controller):
    """``GET /``: every major version with a link to it."""

    def index(self, req: Request) -> dict[str, Any]:
        root = _root_url(req)
        versions = []
        for version_id in sorted(VERSIONS):
            version = VERSIONS[version_id]
            versions.append(
                {
                    "id": version["id"],
                    "status": version["status"],
                    "version": version["version"],
                    "min_version": version["min_version"],
                    "updated": version["updated"],
                    "links": [{"rel": "self", "href": f"{root}/{_URL_SEGMENT[version_id]}/"}],
                }
            )
        return {"versions": versions}


class VersionController(Controller):
    """``GET /v2.1`` (or ``/v2``): the document of the major version mounted there."""

    def __init__(self, version_id: str) -> None:
        super().__init__()
        self.version_id = version_id

    def show(self, req: Request) -> dict[str, Any]:
        document = copy.deepcopy(VERSIONS[self.version_id])
        self_link = {"rel": "self", "href": req.application_url.rstrip("/") + "/"}
        document["links"].insert(0, self_link)
        return {"version": document}


def root_app_factory(global_conf: dict[str, str], **local_conf: str) -> APIRouter:
    """``/``: the version list; no microversion negotiation."""
    routes = [("/", {"GET": (VersionsController, "index")})]
    return APIRouter(routes, None, PROJECT_ID_NEVER)


def version_app_factory(global_conf: dict[str, str], **local_conf: str) -> APIRouter:
    """``/v2.1`` or ``/v2`` (``version = v2.0`` in the paste section)."""
    version_id = local_conf.get("version", "v2.1")
    if version_id not in VERSIONS:
        raise ValueError(f"Unknown compute API version {version_id!r}")
    info = api_version.VERSION_INFO if version_id == "v2.1" else None
    routes = [("/", {"GET": (lambda: VersionController(version_id), "show")})]
    return APIRouter(routes, info, PROJECT_ID_NEVER)
