"""``/servers/{server_id}/metadata[/{key}]``: a server's user metadata (Nova's shapes).

Changes are refused while the server is busy or not in a stable state (409), when it is
locked (409) and above the ``metadata_items`` quota (403).
"""

from __future__ import annotations

from typing import Any

import webob.exc

from common.wsgi import validation
from common.wsgi.resource import Controller, Request, response
from compute import exception
from compute.api.openstack.schemas import servers as schemas
from compute.api.openstack.server_actions import authorize, compute_api, get_instance, refusals

RULE = "os_compute_api:server-metadata:%s"
NOT_FOUND = "Metadata item was not found"


class ServerMetadataController(Controller):
    def _update(
        self, req: Request, server_id: str, metadata: dict[str, str], replace: bool, rule: str
    ) -> dict[str, str]:
        instance = get_instance(req, server_id)
        authorize(req, RULE % rule, instance)
        with refusals("update metadata", server_id):
            try:
                return compute_api().update_instance_metadata(
                    req.context, instance, metadata, delete=replace
                )
            except exception.OverQuota as error:
                raise webob.exc.HTTPForbidden(detail=error.format_message()) from None

    def index(self, req: Request, server_id: str) -> dict[str, Any]:
        instance = get_instance(req, server_id)
        authorize(req, RULE % "index", instance)
        return {"metadata": compute_api().get_instance_metadata(req.context, instance)}

    def show(self, req: Request, server_id: str, id: str) -> dict[str, Any]:
        instance = get_instance(req, server_id)
        authorize(req, RULE % "show", instance)
        metadata = compute_api().get_instance_metadata(req.context, instance)
        if id not in metadata:
            raise webob.exc.HTTPNotFound(detail=NOT_FOUND)
        return {"meta": {id: metadata[id]}}

    @validation.schema(schemas.METADATA_BODY)
    def create(self, req: Request, server_id: str, body: dict[str, Any]) -> dict[str, Any]:
        merged = self._update(req, server_id, body["metadata"], False, "create")
        return {"metadata": merged}

    @validation.schema(schemas.META_ITEM_BODY)
    def update(self, req: Request, server_id: str, id: str, body: dict[str, Any]) -> dict[str, Any]:
        meta = body["meta"]
        if id not in meta:
            raise webob.exc.HTTPBadRequest(detail="Request body and URI mismatch")
        self._update(req, server_id, meta, False, "update")
        return {"meta": meta}

    @validation.schema(schemas.METADATA_BODY)
    def update_all(self, req: Request, server_id: str, body: dict[str, Any]) -> dict[str, Any]:
        metadata = self._update(req, server_id, body["metadata"], True, "update_all")
        return {"metadata": metadata}

    @response(204)
    def delete(self, req: Request, server_id: str, id: str) -> None:
        instance = get_instance(req, server_id)
        authorize(req, RULE % "delete", instance)
        if id not in compute_api().get_instance_metadata(req.context, instance):
            raise webob.exc.HTTPNotFound(detail=NOT_FOUND)
        with refusals("delete metadata", server_id):
            compute_api().delete_instance_metadata(req.context, instance, id)


ROUTES = [
    (
        "/servers/{server_id}/metadata",
        {
            "GET": (ServerMetadataController, "index"),
            "POST": (ServerMetadataController, "create"),
            "PUT": (ServerMetadataController, "update_all"),
        },
    ),
    (
        "/servers/{server_id}/metadata/{id}",
        {
            "GET": (ServerMetadataController, "show"),
            "PUT": (ServerMetadataController, "update"),
            "DELETE": (ServerMetadataController, "delete"),
        },
    ),
]
