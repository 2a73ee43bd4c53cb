"""The Compute API v2.1 application: the route table and its paste factory.

Every Compute API resource is one entry of :data:`ROUTES` (path, then method ->
(controller class, action)), so the whole API surface reads as one table.  Paths are
relative to ``/v2.1`` and may be prefixed by ``/{project_id}``, as in Nova.
"""

from __future__ import annotations

from typing import Any

from common.wsgi.router import PROJECT_ID_OPTIONAL, APIRouter, RouteTable
from compute.api.openstack import (
    api_version,
    images,
    instance_actions,
    resource_routes,
    server_metadata,
    servers,
)
from compute.api.openstack.versions import VersionController


def _version_controller() -> VersionController:
    return VersionController("v2.1")


ROUTES: list[Any] = [
    # GET /v2.1/{project_id} answers the version document, as Nova does.
    ("/", {"GET": (_version_controller, "show")}),
    # /images, /images/detail, /images/{id}, /images/{image_id}/metadata(/{id})
    *images.ROUTES,
    # /servers, /servers/detail, /servers/{id}, /servers/{id}/action
    *servers.ROUTES,
    # /servers/{server_id}/metadata(/{id})
    *server_metadata.ROUTES,
    # /servers/{server_id}/os-instance-actions(/{id})
    *instance_actions.ROUTES,
    # flavors, os-keypairs, limits, os-quota-sets, os-availability-zone, os-aggregates,
    # os-server-groups, os-services, os-hypervisors
    *resource_routes.ROUTES,
]


def build_router(routes: RouteTable | None = None) -> APIRouter:
    return APIRouter(
        ROUTES if routes is None else routes, api_version.VERSION_INFO, PROJECT_ID_OPTIONAL
    )


def app_factory(global_conf: dict[str, str], **local_conf: str) -> APIRouter:
    """paste ``app_factory`` of ``[app:openstack_compute_app_v21]``."""
    return build_router()
