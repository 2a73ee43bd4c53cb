"""``PUT`` and ``GET /v2/images/{id}/file``: image data in and out, streamed.

An upload goes into a ``queued`` image only (409 otherwise) and makes it ``active``
with its size and checksums; the body is read in chunks straight into the store, so
an image is never held in memory.  A download of an image without data is Glance's
204; of a deactivated image, 403.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import webob

from common.wsgi.resource import Request
from compute import exception
from compute.api.image import faults, images
from compute.api.image.wire import Result, context
from compute.image import api as image_api

UPLOAD_MEDIA_TYPE = "application/octet-stream"


def _body_chunks(req: Request) -> Iterator[bytes]:
    stream = req.body_file
    while True:
        chunk = stream.read(image_api.CHUNK_SIZE)
        if not chunk:
            return
        yield chunk


def upload(req: Request, image_id: str) -> Result:
    if (req.content_type or "").lower() != UPLOAD_MEDIA_TYPE:
        raise faults.ImageAPIError(
            415,
            f"The request media type {req.content_type or 'None'} is not supported by "
            f"this server. Image data must be sent as {UPLOAD_MEDIA_TYPE}.",
        )
    image = images.get_image(req, image_id)
    if image.get("status") != "queued":
        raise faults.conflict(
            f"Image {image_id} is {image.get('status')}: data can be uploaded only into "
            "a queued image."
        )
    try:
        images.service().update(context(req), image_id, {}, data=_body_chunks(req))
    except exception.ImageNotAuthorized:
        raise faults.forbidden("You are not authorized to upload data to this image.") from None
    except exception.ImageNotFound:
        raise faults.not_found(f"No image found with ID {image_id}") from None
    return Result(None, 204)


def download(req: Request, image_id: str) -> Any:
    image = images.get_image(req, image_id)
    status = image.get("status")
    if status == "deactivated":
        raise faults.forbidden(
            "The requested image has been deactivated. Image data download is forbidden."
        )
    if status != "active":
        return Result(None, 204)
    try:
        chunks = images.service().download(context(req), image_id)
    except exception.ImageNotActive:
        return Result(None, 204)
    except exception.ImageNotFound:
        raise faults.not_found(f"Image {image_id} has no data.") from None
    response = webob.Response(status=200, content_type=UPLOAD_MEDIA_TYPE, charset=None)
    response.app_iter = chunks
    if image.get("size") is not None:
        response.content_length = image["size"]
    if image.get("checksum"):
        response.headers["Content-MD5"] = image["checksum"]
    return response
