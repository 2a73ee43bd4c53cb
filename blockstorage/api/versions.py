"""Block Storage API version documents: ``GET /`` (300 Multiple Choices) and ``/v3``.

No authentication; clients (cinderclient, openstacksdk, keystoneauth) read them to
discover the microversion range, so their shape is exactly Cinder's.
"""

from __future__ import annotations

import copy
from typing import Any

from blockstorage.api import api_version
from common.wsgi.resource import Controller, Request, response
from common.wsgi.router import PROJECT_ID_NEVER, APIRouter

KNOWN_VERSIONS: dict[str, dict[str, Any]] = {
    "v3.0": {
        "id": "v3.0",
        "status": "CURRENT",
        "version": api_version.MAX_API_VERSION,
        "min_version": api_version.MIN_API_VERSION,
        "updated": api_version.UPDATED,
        "links": [
            {"rel": "describedby", "type": "text/html", "href": "https://docs.openstack.org/"}
        ],
        "media-types": [
            {"base": "application/json", "type": "application/vnd.openstack.volume+json;version=3"}
        ],
    },
}


def _root_url(req: Request) -> str:
    url = req.application_url.rstrip("/")
    return url[: -len("/v3")] if url.endswith("/v3") else url


def build_versions(req: Request) -> dict[str, Any]:
    root = _root_url(req)
    versions = []
    for version_id in sorted(KNOWN_VERSIONS):
        document = copy.deepcopy(KNOWN_VERSIONS[version_id])
        major = version_id.split(".")[0]
        document["links"].append({"rel": "self", "href": f"{root}/{major}/"})
        versions.append(document)
    return {"versions": versions}


class VersionsController(Controller):
    @response(300)
    def all(self, req: Request) -> dict[str, Any]:
        """``GET /``: every known major version, as Multiple Choices."""
        return build_versions(req)

    def index(self, req: Request) -> dict[str, Any]:
        """``GET /v3``: the versions served from the v3 endpoint."""
        return build_versions(req)


def root_app_factory(global_conf: dict[str, str], **local_conf: str) -> APIRouter:
    return APIRouter([("/", {"GET": (VersionsController, "all")})], None, PROJECT_ID_NEVER)


def v3_app_factory(global_conf: dict[str, str], **local_conf: str) -> APIRouter:
    return APIRouter(
        [("/", {"GET": (VersionsController, "index")})],
        api_version.VERSION_INFO,
        PROJECT_ID_NEVER,
    )
