"""The Block Storage API v3 application: the route table and its paste factory.

Every v3 resource is one entry of :data:`ROUTES` (path, then method -> (controller
class, action)).  Paths are relative to ``/v3/{project_id}``: at microversion 3.0 the
project id is part of every URL, as in Cinder.
"""

from __future__ import annotations

from typing import Any

from blockstorage.api import (
    api_version,
    attachments,
    resources,
    snapshots,
    types,
    volume_actions,
    volume_metadata,
    volumes,
)
from common.wsgi.router import PROJECT_ID_REQUIRED, APIRouter, RouteTable

ROUTES: list[Any] = [
    # /volumes, /volumes/detail, /volumes/summary (3.12), /volumes/{id}
    *volumes.ROUTES,
    # /volumes/{id}/action: os-extend, os-reserve ... os-detach, admin actions
    *volume_actions.ROUTES,
    # /volumes/{volume_id}/metadata(/{key}) (ETags from 3.15)
    *volume_metadata.ROUTES,
    # /types, extra_specs, os-volume-type-access
    *types.ROUTES,
    # /snapshots
    *snapshots.ROUTES,
    # /attachments (3.27)
    *attachments.ROUTES,
    # limits, os-quota-sets, os-services, os-availability-zone, scheduler-stats, messages
    *resources.ROUTES,
]


def build_router(routes: RouteTable | None = None) -> APIRouter:
    return APIRouter(
        ROUTES if routes is None else routes, api_version.VERSION_INFO, PROJECT_ID_REQUIRED
    )


def app_factory(global_conf: dict[str, str], **local_conf: str) -> APIRouter:
    """paste ``app_factory`` of ``[app:apiv3]``."""
    return build_router()
