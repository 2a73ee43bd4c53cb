"""``/attachments`` (3.27): create (reserve, and connect when a connector is given),
list, detail, show, update (connect), delete (detach)."""

from __future__ import annotations

from typing import Any

import webob.exc

from blockstorage import exception, objects
from blockstorage.api import api_version, common, schemas, views
from blockstorage.api.volumes import authorize
from common.wsgi import validation
from common.wsgi.microversion import api_version as versioned
from common.wsgi.resource import Controller, Request


def _get(req: Request, attachment_id: str) -> Any:
    return objects.VolumeAttachment.get_by_id(req.context, attachment_id)


class AttachmentsController(Controller):
    def _list(self, req: Request, detailed: bool) -> dict[str, Any]:
        authorize(req, "volume:attachment_get")
        params = dict(req.GET.items())
        marker, limit, offset = common.pagination_params(params)
        sort_keys, sort_dirs = common.sort_params(params)
        all_tenants = common.bool_param(params.pop("all_tenants", "false"), "all_tenants")
        project_id = None if (req.context.is_admin and all_tenants) else req.context.project_id
        filters = {k: v for k, v in params.items() if k in ("volume_id", "instance_id", "status")}
        if "instance_id" in filters:
            filters["instance_uuid"] = filters.pop("instance_id")
        if "status" in filters:
            filters["attach_status"] = filters.pop("status")
        try:
            found = objects.VolumeAttachmentList.get_all(
                req.context, filters, marker, limit, offset, sort_keys, sort_dirs, project_id
            )
        except exception.MarkerNotFound as exc:
            raise webob.exc.HTTPBadRequest(detail=exc.format_message()) from None
        build = views.attachment_detail if detailed else views.attachment_summary
        return {"attachments": [build(a) for a in found]}

    @versioned(api_version.NEW_ATTACH)
    def index(self, req: Request) -> dict[str, Any]:
        return self._list(req, detailed=False)

    @versioned(api_version.NEW_ATTACH)
    def detail(self, req: Request) -> dict[str, Any]:
        return self._list(req, detailed=True)

    @versioned(api_version.NEW_ATTACH)
    def show(self, req: Request, id: str) -> dict[str, Any]:
        authorize(req, "volume:attachment_get")
        return {"attachment": views.attachment_detail(_get(req, id))}

    @versioned(api_version.NEW_ATTACH)
    @validation.schema(schemas.attachment_create)
    def create(self, req: Request, body: dict[str, Any]) -> dict[str, Any]:
        spec = body["attachment"]
        volume = common.volume_api().get(req.context, spec["volume_uuid"])
        authorize(req, "volume:attachment_create", volume.project_id)
        attachment = common.volume_api().attachment_create(
            req.context, volume, spec.get("instance_uuid"), spec.get("connector") or None
        )
        return {"attachment": views.attachment_detail(attachment)}

    @versioned(api_version.NEW_ATTACH)
    @validation.schema(schemas.attachment_update)
    def update(self, req: Request, id: str, body: dict[str, Any]) -> dict[str, Any]:
        attachment = _get(req, id)
        authorize(req, "volume:attachment_update")
        attachment = common.volume_api().attachment_update(
            req.context, attachment, body["attachment"]["connector"]
        )
        return {"attachment": views.attachment_detail(attachment)}

    @versioned(api_version.NEW_ATTACH)
    def delete(self, req: Request, id: str) -> dict[str, Any]:
        attachment = _get(req, id)
        authorize(req, "volume:attachment_delete")
        remaining = common.volume_api().attachment_delete(req.context, attachment)
        return {"attachments": [views.attachment_summary(a) for a in remaining]}


ROUTES = [
    (
        "/attachments",
        {"GET": (AttachmentsController, "index"), "POST": (AttachmentsController, "create")},
    ),
    ("/attachments/detail", {"GET": (AttachmentsController, "detail")}),
    (
        "/attachments/{id}",
        {
            "GET": (AttachmentsController, "show"),
            "PUT": (AttachmentsController, "update"),
            "DELETE": (AttachmentsController, "delete"),
        },
    ),
]
