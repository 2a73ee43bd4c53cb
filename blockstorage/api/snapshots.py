"""``/snapshots``: create, list, detail, show, update, delete (Cinder v3)."""

from __future__ import annotations

import ast
from typing import Any

import webob.exc

from blockstorage import exception
from blockstorage.api import api_version, common, schemas, views
from blockstorage.api.volumes import authorize
from common.wsgi import validation
from common.wsgi.resource import Controller, Request, response

# Filters a non-admin may use (Cinder's, before the generic filters of 3.33).
ALLOWED_FILTERS = ("status", "volume_id", "name")


def get_snapshot(req: Request, snapshot_id: str) -> Any:
    return common.volume_api().get_snapshot(req.context, snapshot_id)


class SnapshotsController(Controller):
    def _snapshots(self, req: Request, detailed: bool) -> dict[str, Any]:
        authorize(req, "volume:get_all_snapshots")
        params = dict(req.GET.items())
        marker, limit, offset = common.pagination_params(params)
        sort_keys, sort_dirs = common.sort_params(params)
        sort_keys = ["display_name" if k == "name" else k for k in sort_keys]
        allowed = list(ALLOWED_FILTERS)
        if api_version.at_least(req, api_version.SNAPSHOT_LIST_METADATA_FILTER):
            allowed.append("metadata")
        else:
            params.pop("metadata", None)
        if not req.context.is_admin:
            params = {k: v for k, v in params.items() if k in allowed}
        if "name" in params:
            params["display_name"] = params.pop("name")
        if isinstance(params.get("metadata"), str):
            try:
                params["metadata"] = ast.literal_eval(params["metadata"])
            except (ValueError, SyntaxError):
                raise exception.InvalidInput(reason="Invalid metadata filter") from None
        try:
            snaps = common.volume_api().get_all_snapshots(
                req.context, params, marker, limit, sort_keys, sort_dirs, offset
            )
        except exception.MarkerNotFound as exc:
            raise webob.exc.HTTPBadRequest(detail=exc.format_message()) from None
        return views.snapshot_list(req, list(snaps), limit, detailed)

    def index(self, req: Request) -> dict[str, Any]:
        return self._snapshots(req, detailed=False)

    def detail(self, req: Request) -> dict[str, Any]:
        return self._snapshots(req, detailed=True)

    def show(self, req: Request, id: str) -> dict[str, Any]:
        snap = get_snapshot(req, id)
        authorize(req, "volume:get_snapshot", snap.project_id)
        return {"snapshot": views.snapshot(req, snap)}

    @response(202)
    @validation.schema(schemas.snapshot_create)
    def create(self, req: Request, body: dict[str, Any]) -> dict[str, Any]:
        authorize(req, "volume:create_snapshot")
        spec = body["snapshot"]
        volume = common.volume_api().get(req.context, spec["volume_id"])
        force = common.bool_param(spec.get("force", False), "force")
        snap = common.volume_api().create_snapshot(
            req.context,
            volume,
            spec.get("name", spec.get("display_name")),
            spec.get("description", spec.get("display_description")),
            force=force,
            metadata=spec.get("metadata") or {},
        )
        return {"snapshot": views.snapshot(req, snap)}

    @validation.schema(schemas.snapshot_update)
    def update(self, req: Request, id: str, body: dict[str, Any]) -> dict[str, Any]:
        snap = get_snapshot(req, id)
        authorize(req, "volume:update_snapshot", snap.project_id)
        spec = body["snapshot"]
        fields = {}
        for api_key, column in (
            ("name", "display_name"),
            ("display_name", "display_name"),
            ("description", "display_description"),
            ("display_description", "display_description"),
        ):
            if api_key in spec:
                fields[column] = spec[api_key]
        common.volume_api().update_snapshot(req.context, snap, fields)
        return {"snapshot": views.snapshot(req, snap)}

    @response(202)
    def delete(self, req: Request, id: str) -> None:
        snap = get_snapshot(req, id)
        authorize(req, "volume:delete_snapshot", snap.project_id)
        common.volume_api().delete_snapshot(req.context, snap)


ROUTES = [
    (
        "/snapshots",
        {"GET": (SnapshotsController, "index"), "POST": (SnapshotsController, "create")},
    ),
    ("/snapshots/detail", {"GET": (SnapshotsController, "detail")}),
    (
        "/snapshots/{id}",
        {
            "GET": (SnapshotsController, "show"),
            "PUT": (SnapshotsController, "update"),
            "DELETE": (SnapshotsController, "delete"),
        },
    ),
]
