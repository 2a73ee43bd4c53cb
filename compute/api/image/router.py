"""The image API's routes and the WSGI app at the end of its paste pipeline.

One table of routes (path, method -> controller action), matched with Routes.  A
controller action takes ``(req, **route_args)`` and returns a dict (JSON, 200 unless
it returns a :class:`Result`), a :class:`Result` or a ready ``webob.Response``.
Every error leaves as Glance's error body (:mod:`compute.api.image.faults`).

Unlike the compute pipeline, the image pipeline has no ``sizelimit`` filter: image
uploads are streamed to the store.  JSON request bodies are still limited to
``[wsgi] max_request_body_size``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

import routes
import webob
import webob.dec

from common.wsgi.resource import Request
from compute.api.image import faults, image_data, images, schemas
from compute.api.image.wire import Result

LOG = logging.getLogger(__name__)

_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def _schema_image(req: Request) -> dict[str, Any]:
    return schemas.image_schema()


def _schema_images(req: Request) -> dict[str, Any]:
    return schemas.images_schema()


def _import_info(req: Request) -> dict[str, Any]:
    # Discoverable since Glance 2.6; this image service offers no import method,
    # only the classic create-then-upload.
    return {
        "import-methods": {
            "description": "Import methods available.",
            "type": "array",
            "value": [],
        }
    }


ROUTES: list[tuple[str, Mapping[str, Callable[..., Any]]]] = [
    ("/v2/images", {"GET": images.index, "POST": images.create}),
    (
        "/v2/images/{image_id}",
        {"GET": images.show, "PATCH": images.update, "DELETE": images.delete},
    ),
    ("/v2/images/{image_id}/file", {"GET": image_data.download, "PUT": image_data.upload}),
    ("/v2/images/{image_id}/tags/{tag}", {"PUT": images.add_tag, "DELETE": images.delete_tag}),
    ("/v2/schemas/image", {"GET": _schema_image}),
    ("/v2/schemas/images", {"GET": _schema_images}),
    ("/v2/info/import", {"GET": _import_info}),
]


class ImageAPIRouter:
    """Dispatch the image API's requests to their actions."""

    def __init__(self, route_table: list[tuple[str, Mapping[str, Callable[..., Any]]]]) -> None:
        self.mapper = routes.Mapper()
        for path, methods in route_table:
            for method, handler in methods.items():
                self.mapper.connect(path, handler=handler, conditions={"method": [method]})

    def _allowed(self, path: str) -> list[str]:
        return [m for m in _METHODS if self.mapper.match(path, environ={"REQUEST_METHOD": m})]

    @webob.dec.wsgify(RequestClass=Request)
    def __call__(self, req: Request) -> webob.Response:
        path = req.path_info.rstrip("/") or "/"
        match = self.mapper.match(path, environ=req.environ)
        if match is None:
            allowed = self._allowed(path)
            if allowed:
                return faults.error_response(
                    405,
                    f"The method {req.method} is not allowed for this resource.",
                    {"Allow": ", ".join(allowed)},
                )
            return faults.error_response(404, "The resource could not be found.")
        args = dict(match)
        handler = args.pop("handler")
        try:
            result = handler(req, **args)
        except Exception as exc:  # every error leaves as Glance's body
            return faults.exception_to_response(exc, req.request_id)
        return _serialize(result)


def _serialize(result: Any) -> webob.Response:
    if isinstance(result, webob.Response):
        return result
    if not isinstance(result, Result):
        result = Result(result)
    response = webob.Response(status=result.code, charset=None)
    if result.body is None:
        response.content_type = None
        response.body = b""
    else:
        response.content_type = "application/json"
        response.body = json.dumps(result.body).encode("utf-8")
    for key, value in result.headers.items():
        response.headers[key] = value
    return response


def app_factory(global_conf: dict[str, str], **local_conf: str) -> ImageAPIRouter:
    """Paste ``app_factory`` of the image API (``[app:image_api_v2]``)."""
    return ImageAPIRouter(ROUTES)
