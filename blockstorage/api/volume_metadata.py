"""``/volumes/{volume_id}/metadata``: a volume's user metadata, whole or one key
(Cinder v3).  From 3.15 the responses carry an ``ETag`` of the metadata and an update
of the whole set with ``If-Match`` is refused (412) when the metadata changed since.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import webob.exc

from blockstorage.api import api_version, common, schemas
from blockstorage.api.volumes import authorize, get_volume
from common.wsgi import validation
from common.wsgi.resource import Controller, Request, ResponseObject

ETAG_VERSION = "3.15"

metadata_body = {
    "type": "object",
    "properties": {"metadata": schemas.metadata},
    "required": ["metadata"],
    "additionalProperties": False,
}
meta_body = {
    "type": "object",
    "properties": {"meta": {**schemas.metadata, "type": "object"}},
    "required": ["meta"],
    "additionalProperties": False,
}


def etag(metadata: dict[str, str]) -> str:
    return hashlib.md5(
        json.dumps(metadata, sort_keys=True).encode(), usedforsecurity=False
    ).hexdigest()


class VolumeMetadataController(Controller):
    def _volume(self, req: Request, volume_id: str, rule: str) -> Any:
        volume = get_volume(req, volume_id)
        authorize(req, rule, volume.project_id)
        return volume

    def _reply(self, req: Request, body: dict[str, Any], metadata: dict[str, str]) -> Any:
        if api_version.at_least(req, ETAG_VERSION):
            return ResponseObject(body, headers={"ETag": etag(metadata)})
        return body

    def _save(self, req: Request, volume: Any, metadata: dict[str, str]) -> None:
        common.volume_api().update(req.context, volume, {"metadata": metadata})

    def index(self, req: Request, volume_id: str) -> Any:
        volume = self._volume(req, volume_id, "volume:get")
        return self._reply(req, {"metadata": dict(volume.metadata)}, volume.metadata)

    @validation.schema(metadata_body)
    def create(self, req: Request, volume_id: str, body: dict[str, Any]) -> Any:
        volume = self._volume(req, volume_id, "volume:update")
        merged = {**volume.metadata, **body["metadata"]}
        self._save(req, volume, merged)
        return self._reply(req, {"metadata": merged}, merged)

    @validation.schema(metadata_body)
    def update_all(self, req: Request, volume_id: str, body: dict[str, Any]) -> Any:
        volume = self._volume(req, volume_id, "volume:update")
        expected = req.headers.get("If-Match")
        if (
            expected
            and api_version.at_least(req, ETAG_VERSION)
            and expected.strip('"') != etag(volume.metadata)
        ):
            raise webob.exc.HTTPPreconditionFailed(
                detail="Update and delete are not allowed: the metadata was changed since it "
                "was read."
            )
        metadata = dict(body["metadata"] or {})
        self._save(req, volume, metadata)
        return self._reply(req, {"metadata": metadata}, metadata)

    def show(self, req: Request, volume_id: str, id: str) -> dict[str, Any]:
        volume = self._volume(req, volume_id, "volume:get")
        if id not in volume.metadata:
            raise webob.exc.HTTPNotFound(detail="Metadata item was not found")
        return {"meta": {id: volume.metadata[id]}}

    @validation.schema(meta_body)
    def update(self, req: Request, volume_id: str, id: str, body: dict[str, Any]) -> Any:
        meta = body["meta"]
        if id not in meta:
            raise webob.exc.HTTPBadRequest(detail="Request body and URI mismatch")
        if len(meta) > 1:
            raise webob.exc.HTTPBadRequest(detail="Request body contains too many items")
        volume = self._volume(req, volume_id, "volume:update")
        self._save(req, volume, {**volume.metadata, **meta})
        return {"meta": meta}

    def delete(self, req: Request, volume_id: str, id: str) -> None:
        volume = self._volume(req, volume_id, "volume:update")
        if id not in volume.metadata:
            raise webob.exc.HTTPNotFound(detail="Metadata item was not found")
        self._save(req, volume, {k: v for k, v in volume.metadata.items() if k != id})


ROUTES = [
    (
        "/volumes/{volume_id}/metadata",
        {
            "GET": (VolumeMetadataController, "index"),
            "POST": (VolumeMetadataController, "create"),
            "PUT": (VolumeMetadataController, "update_all"),
        },
    ),
    (
        "/volumes/{volume_id}/metadata/{id}",
        {
            "GET": (VolumeMetadataController, "show"),
            "PUT": (VolumeMetadataController, "update"),
            "DELETE": (VolumeMetadataController, "delete"),
        },
    ),
]
