"""``/volumes``: create (from nothing, an image, a snapshot or a volume), list, detail,
show, update, delete, ``/volumes/summary`` (3.12), as Cinder v3 answers them.

Filters a non-admin may use are ``query_volume_filters``; others are ignored for them
(before 3.33, Cinder's rule).  An unknown filter from an admin matches no volume.
"""

from __future__ import annotations

import ast
from typing import Any

import webob.exc

from blockstorage import exception, objects
from blockstorage.api import (
    api_version,
    common,
    policies,  # noqa: F401  (registers the rules)
    schemas,
    views,
)
from common.config import CONF
from common.wsgi import policy, validation
from common.wsgi.resource import Controller, Request, response

BOOLEAN_FILTERS = ("bootable", "multiattach")
# Values Cinder reads as Python literals (dicts of metadata, sizes).
LITERAL_FILTERS = ("metadata", "glance_metadata", "size")


def authorize(req: Request, rule: str, project_id: str | None = None) -> None:
    policy.authorize(req.context, rule, {"project_id": project_id or req.context.project_id})


def get_volume(req: Request, volume_id: str) -> Any:
    return common.volume_api().get(req.context, volume_id)


def _bool_filter(key: str, value: str, strict: bool) -> bool:
    """3.2 and later: only true/false words (else 400); before, anything not 'false'
    is true, as Cinder read it."""
    if strict:
        try:
            return common.bool_param(value, key)
        except webob.exc.HTTPBadRequest:
            raise exception.InvalidInput(reason=f"'{key} = {value}'") from None
    if value in ("False", "false", "FALSE"):
        return False
    return bool(value)


def volume_filters(req: Request, params: dict[str, Any]) -> dict[str, Any]:
    """Cinder's volume list filters at the request's microversion."""
    filters = dict(params)
    if not api_version.at_least(req, api_version.VOLUME_LIST_GLANCE_METADATA):
        filters.pop("glance_metadata", None)
    if not api_version.at_least(req, api_version.VOLUME_LIST_GROUP):
        filters.pop("group_id", None)
    if not req.context.is_admin:
        allowed = set(CONF.query_volume_filters)
        filters = {k: v for k, v in filters.items() if k in allowed}
    if "name" in filters:
        filters["display_name"] = filters.pop("name")
    strict = api_version.at_least(req, api_version.VOLUME_LIST_BOOTABLE)
    for key, value in list(filters.items()):
        if key in BOOLEAN_FILTERS:
            filters[key] = _bool_filter(key, value, strict)
        elif key in LITERAL_FILTERS and isinstance(value, str):
            try:
                filters[key] = ast.literal_eval(value)
            except (ValueError, SyntaxError):
                pass  # compared as given: matches nothing
    return filters


class VolumeController(Controller):
    def _volumes(self, req: Request, detailed: bool) -> dict[str, Any]:
        authorize(req, "volume:get_all")
        params = dict(req.GET.items())
        marker, limit, offset = common.pagination_params(params)
        sort_keys, sort_dirs = common.sort_params(params)
        sort_keys = ["display_name" if k == "name" else k for k in sort_keys]
        filters = volume_filters(req, params)
        try:
            volumes = common.volume_api().get_all(
                req.context, marker, limit, sort_keys, sort_dirs, filters, offset
            )
        except exception.MarkerNotFound as exc:
            raise webob.exc.HTTPBadRequest(detail=exc.format_message()) from None
        return views.volume_list(req, list(volumes), limit, detailed)

    def index(self, req: Request) -> dict[str, Any]:
        return self._volumes(req, detailed=False)

    def detail(self, req: Request) -> dict[str, Any]:
        return self._volumes(req, detailed=True)

    def show(self, req: Request, id: str) -> dict[str, Any]:
        volume = get_volume(req, id)
        authorize(req, "volume:get", volume.project_id)
        return {"volume": views.volume_detail(req, volume)}

    def summary(self, req: Request) -> dict[str, Any]:
        """``/volumes/summary`` (3.12): count and total size."""
        if not api_version.at_least(req, api_version.VOLUME_SUMMARY):
            raise webob.exc.HTTPNotFound(detail="The resource could not be found.")
        authorize(req, "volume:get_all")
        all_tenants = common.bool_param(req.GET.get("all_tenants", "false"), "all_tenants")
        count, size = common.volume_api().get_volume_summary(req.context, all_tenants)
        return {"volume-summary": {"total_size": size, "total_count": count}}

    @response(202)
    @validation.schema(schemas.volume_create)
    def create(self, req: Request, body: dict[str, Any]) -> dict[str, Any]:
        ctxt = req.context
        authorize(req, "volume:create")
        spec = body["volume"]
        api = common.volume_api()
        snapshot = source = volume_type = None
        if spec.get("snapshot_id"):
            snapshot = api.get_snapshot(ctxt, spec["snapshot_id"])
        if spec.get("source_volid"):
            source = api.get(ctxt, spec["source_volid"])
        if spec.get("volume_type"):
            volume_type = objects.VolumeType.get_by_name_or_id(ctxt, spec["volume_type"])
        image_id = spec.get("imageRef") or spec.get("image_id")
        if image_id:
            authorize(req, "volume:create_from_image")
        multiattach = common.bool_param(spec.get("multiattach", False), "multiattach")
        volume = api.create(
            ctxt,
            spec.get("size"),
            spec.get("name", spec.get("display_name")),
            spec.get("description", spec.get("display_description")),
            snapshot=snapshot,
            image_id=image_id,
            volume_type=volume_type,
            metadata=spec.get("metadata") or {},
            availability_zone=spec.get("availability_zone"),
            source_volume=source,
            multiattach=multiattach,
            scheduler_hints=body.get("OS-SCH-HNT:scheduler_hints") or {},
        )
        return {"volume": views.volume_detail(req, volume)}

    @validation.schema(schemas.volume_update)
    def update(self, req: Request, id: str, body: dict[str, Any]) -> dict[str, Any]:
        volume = get_volume(req, id)
        authorize(req, "volume:update", volume.project_id)
        spec = body["volume"]
        fields: dict[str, Any] = {}
        for api_key, column in (
            ("name", "display_name"),
            ("display_name", "display_name"),
            ("description", "display_description"),
            ("display_description", "display_description"),
        ):
            if api_key in spec:
                fields[column] = spec[api_key]
        if "metadata" in spec:
            fields["metadata"] = dict(spec["metadata"] or {})
        common.volume_api().update(req.context, volume, fields)
        return {"volume": views.volume_detail(req, volume)}

    @response(202)
    def delete(self, req: Request, id: str) -> None:
        volume = get_volume(req, id)
        authorize(req, "volume:delete", volume.project_id)
        cascade = common.bool_param(req.GET.get("cascade", "false"), "cascade")
        force = False
        if api_version.at_least(req, api_version.VOLUME_DELETE_FORCE):
            force = common.bool_param(req.GET.get("force", "false"), "force")
        if cascade and force:
            raise exception.InvalidInput(reason="Cannot use 'cascade' and 'force' together")
        if force:
            authorize(req, "volume:force_delete", volume.project_id)
        common.volume_api().delete(req.context, volume, force=force, cascade=cascade)


ROUTES = [
    ("/volumes", {"GET": (VolumeController, "index"), "POST": (VolumeController, "create")}),
    ("/volumes/detail", {"GET": (VolumeController, "detail")}),
    ("/volumes/summary", {"GET": (VolumeController, "summary")}),
    (
        "/volumes/{id}",
        {
            "GET": (VolumeController, "show"),
            "PUT": (VolumeController, "update"),
            "DELETE": (VolumeController, "delete"),
        },
    ),
]
