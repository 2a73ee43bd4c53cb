"""The Compute API's image proxy: ``/images`` and ``/images/{id}/metadata``.

Nova answers these from the image service (here :func:`compute.image.api.
get_image_service`, the local store or Glance) in the Compute API's own shape:
``minRam``/``minDisk``, ``metadata`` for the image properties, ``status`` in capitals
(``ACTIVE``, ``SAVING``...), ``progress``, ``OS-EXT-IMG-SIZE:size`` and, for a server
snapshot, the ``server`` it was taken from.  Like Nova, the proxy exists up to
microversion 2.35 and answers 404 from 2.36 on, where clients talk to Glance.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import webob.exc
from oslo_config import cfg

from common.config import CONF
from common.wsgi import policy, validation
from common.wsgi.microversion import api_version
from common.wsgi.resource import Controller, Request, response
from compute import exception
from compute.api import policies  # noqa: F401  (registers the os_compute_api rules)
from compute.image import api as image_api

MAX_PROXY_API_SUPPORT_VERSION = "2.35"
DEFAULT_MAX_LIMIT = 1000
DEFAULT_METADATA_ITEMS = 128

# Glance status -> Compute API status (and the progress Nova shows for it).
STATUS_MAP = {
    "active": "ACTIVE",
    "queued": "SAVING",
    "saving": "SAVING",
    "uploading": "SAVING",
    "importing": "SAVING",
    "deleted": "DELETED",
    "pending_delete": "DELETED",
    "killed": "ERROR",
    "deactivated": "DEACTIVATED",
}
PROGRESS_MAP = {"queued": 25, "saving": 50, "active": 100}

# Query parameters of GET /images(/detail) -> the image service's filter names.
SUPPORTED_FILTERS = {
    "name": "name",
    "status": "status",
    "changes-since": "changes-since",
    "server": "property-instance_uuid",
    "type": "property-image_type",
    "minRam": "min_ram",
    "minDisk": "min_disk",
}

_METADATA = {
    "type": "object",
    "patternProperties": {
        "^[a-zA-Z0-9-_:. ]{1,255}$": {"type": "string", "maxLength": 255},
    },
    "additionalProperties": False,
}
METADATA_SCHEMA = {
    "type": "object",
    "properties": {"metadata": _METADATA},
    "required": ["metadata"],
    "additionalProperties": False,
}
META_SCHEMA = {
    "type": "object",
    "properties": {"meta": {**_METADATA, "minProperties": 1, "maxProperties": 1}},
    "required": ["meta"],
    "additionalProperties": False,
}


# -- links and views --------------------------------------------------------------------


def _option(group: str, name: str, default: Any) -> Any:
    """An option another module may register (``[api] max_limit``, ``[quota] ...``)."""
    try:
        return getattr(getattr(CONF, group), name)
    except (cfg.NoSuchOptError, cfg.NoSuchGroupError, AttributeError):
        return default


def _project_segment(req: Request) -> str:
    """The project id, when the client put it in the URL (Nova's links keep its form)."""
    project_id = req.context.project_id if req.context else None
    if project_id and f"/{project_id}/" in req.path_info + "/":
        return f"/{project_id}"
    return ""


def _unversioned(url: str) -> str:
    head, _sep, last = url.rstrip("/").rpartition("/")
    if last.startswith("v") and last[1:].replace(".", "").isdigit():
        return head
    return url.rstrip("/")


def _href(req: Request, collection: str, identifier: str) -> str:
    return f"{req.application_url.rstrip('/')}{_project_segment(req)}/{collection}/{identifier}"


def _bookmark(req: Request, collection: str, identifier: str) -> str:
    base = _unversioned(req.application_url)
    return f"{base}{_project_segment(req)}/{collection}/{identifier}"


def _alternate(req: Request, image_id: str) -> str | None:
    """The image's URL in Glance, when Glance is the image service."""
    if CONF.image.backend != "glance":
        return None
    from compute.image import glance

    servers = CONF.glance.api_servers or (
        glance.endpoints_from_catalog(req.context) if req.context else []
    )
    if not servers:
        return None
    return f"{glance.strip_version(servers[0])}/images/{image_id}"


def _links(req: Request, image_id: str) -> list[dict[str, str]]:
    links = [
        {"rel": "self", "href": _href(req, "images", image_id)},
        {"rel": "bookmark", "href": _bookmark(req, "images", image_id)},
    ]
    alternate = _alternate(req, image_id)
    if alternate:
        links.append(
            {"rel": "alternate", "type": "application/vnd.openstack.image", "href": alternate}
        )
    return links


def _format_date(value: Any) -> str | None:
    if not value:
        return None
    return image_api.isotime(image_api.parse_isotime(str(value)))


def basic_view(req: Request, image: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": image["id"], "name": image.get("name"), "links": _links(req, image["id"])}


def detail_view(req: Request, image: Mapping[str, Any]) -> dict[str, Any]:
    status = image.get("status")
    properties = dict(image.get("properties") or {})
    view: dict[str, Any] = {
        "id": image["id"],
        "name": image.get("name"),
        "minRam": int(image.get("min_ram") or 0),
        "minDisk": int(image.get("min_disk") or 0),
        "metadata": properties,
        "created": _format_date(image.get("created_at")),
        "updated": _format_date(image.get("updated_at")),
        "status": STATUS_MAP.get(status, "UNKNOWN"),
        "progress": PROGRESS_MAP.get(status, 0),
        "OS-EXT-IMG-SIZE:size": image.get("size"),
        "links": _links(req, image["id"]),
    }
    instance_uuid = properties.get("instance_uuid")
    if instance_uuid is not None:
        view["server"] = {
            "id": instance_uuid,
            "links": [
                {"rel": "self", "href": _href(req, "servers", instance_uuid)},
                {"rel": "bookmark", "href": _bookmark(req, "servers", instance_uuid)},
            ],
        }
    auto_disk_config = properties.get("auto_disk_config")
    if auto_disk_config is not None:
        enabled = str(auto_disk_config).strip().lower() in ("1", "t", "true", "on", "y", "yes")
        view["OS-DCF:diskConfig"] = "AUTO" if enabled else "MANUAL"
    return view


def _collection_links(
    req: Request, images: list[dict[str, Any]], max_limit: int
) -> list[dict[str, str]]:
    """The ``next`` link, when the page is as long as it could be (Nova's rule)."""
    limit = req.GET.get("limit")
    max_items = min(int(limit), max_limit) if limit is not None else max_limit
    if not images or not max_items or len(images) != max_items:
        return []
    params = dict(sorted(req.GET.items()))
    params["marker"] = images[-1]["id"]
    path = req.path_info.rstrip("/")
    href = f"{req.application_url.rstrip('/')}{path}?{urlencode(params)}"
    return [{"rel": "next", "href": href}]


# -- request parsing --------------------------------------------------------------------


def _non_negative_int(req: Request, name: str) -> int | None:
    raw = req.GET.get(name)
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise webob.exc.HTTPBadRequest(detail=f"{name} param must be an integer") from None
    if value < 0:
        raise webob.exc.HTTPBadRequest(detail=f"{name} param must be positive")
    return value


def _filters(req: Request) -> dict[str, str]:
    filters: dict[str, str] = {}
    for param, value in req.GET.items():
        if param in SUPPORTED_FILTERS or param.startswith("property-"):
            filters[SUPPORTED_FILTERS.get(param, param)] = value
    server = filters.get("property-instance_uuid")
    if server and "/" in server:
        filters["property-instance_uuid"] = server.rstrip("/").rsplit("/", 1)[1]
    if "status" in filters:
        filters["status"] = filters["status"].lower()
    if "changes-since" in filters:
        try:
            image_api.parse_isotime(filters["changes-since"])
        except ValueError:
            raise webob.exc.HTTPBadRequest(
                detail=f"Invalid changes-since value: {filters['changes-since']}"
            ) from None
    return filters


def _not_found() -> webob.exc.HTTPNotFound:
    return webob.exc.HTTPNotFound(detail="Image not found.")


# -- controllers ------------------------------------------------------------------------


class ImagesController(Controller):
    """GET /images, /images/detail, /images/{id}; DELETE /images/{id}."""

    @staticmethod
    def _list(req: Request) -> tuple[list[dict[str, Any]], int]:
        max_limit = int(_option("api", "max_limit", DEFAULT_MAX_LIMIT))
        limit = _non_negative_int(req, "limit")
        _non_negative_int(req, "page_size")
        limit = max_limit if limit is None else min(limit, max_limit)
        try:
            images = image_api.get_image_service().detail(
                req.context, filters=_filters(req), limit=limit, marker=req.GET.get("marker")
            )
        except exception.MarkerNotFound as error:
            raise webob.exc.HTTPBadRequest(detail=error.format_message()) from None
        except exception.Invalid as error:
            raise webob.exc.HTTPBadRequest(detail=error.format_message()) from None
        return images, max_limit

    @staticmethod
    def _page(
        req: Request, images: list[dict[str, Any]], views: list[dict[str, Any]], max_limit: int
    ) -> dict[str, Any]:
        result: dict[str, Any] = {"images": views}
        links = _collection_links(req, images, max_limit)
        if links:
            result["images_links"] = links
        return result

    @api_version("2.1", MAX_PROXY_API_SUPPORT_VERSION)
    def index(self, req: Request) -> dict[str, Any]:
        policy.authorize(req.context, "os_compute_api:images:index")
        images, max_limit = self._list(req)
        return self._page(req, images, [basic_view(req, i) for i in images], max_limit)

    @api_version("2.1", MAX_PROXY_API_SUPPORT_VERSION)
    def detail(self, req: Request) -> dict[str, Any]:
        policy.authorize(req.context, "os_compute_api:images:detail")
        images, max_limit = self._list(req)
        return self._page(req, images, [detail_view(req, i) for i in images], max_limit)

    @api_version("2.1", MAX_PROXY_API_SUPPORT_VERSION)
    def show(self, req: Request, id: str) -> dict[str, Any]:
        policy.authorize(req.context, "os_compute_api:images:show")
        try:
            image = image_api.get_image_service().show(req.context, id)
        except exception.ImageNotFound:
            raise _not_found() from None
        return {"image": detail_view(req, image)}

    @api_version("2.1", MAX_PROXY_API_SUPPORT_VERSION)
    @response(204)
    def delete(self, req: Request, id: str) -> None:
        policy.authorize(req.context, "os_compute_api:images:delete")
        try:
            image_api.get_image_service().delete(req.context, id)
        except exception.ImageNotFound:
            raise _not_found() from None
        except exception.ImageNotAuthorized:
            raise webob.exc.HTTPForbidden(
                detail="You are not allowed to delete the image."
            ) from None


class ImageMetadataController(Controller):
    """The image's properties as Compute API metadata: /images/{image_id}/metadata."""

    @staticmethod
    def _image(req: Request, image_id: str) -> dict[str, Any]:
        try:
            return image_api.get_image_service().show(req.context, image_id)
        except exception.ImageNotAuthorized as error:
            raise webob.exc.HTTPForbidden(detail=error.format_message()) from None
        except exception.ImageNotFound:
            raise _not_found() from None

    @staticmethod
    def _check_quota(metadata: Mapping[str, Any]) -> None:
        allowed = int(_option("quota", "metadata_items", DEFAULT_METADATA_ITEMS))
        if allowed >= 0 and len(metadata) > allowed:
            raise webob.exc.HTTPForbidden(detail="Image metadata limit exceeded")

    @staticmethod
    def _save(req: Request, image_id: str, properties: dict[str, Any]) -> dict[str, Any]:
        try:
            image = image_api.get_image_service().update(
                req.context, image_id, {"properties": properties}, purge_props=True
            )
        except exception.ImageNotAuthorized as error:
            raise webob.exc.HTTPForbidden(detail=error.format_message()) from None
        except exception.ImageNotFound:
            raise _not_found() from None
        return image

    @api_version("2.1", MAX_PROXY_API_SUPPORT_VERSION)
    def index(self, req: Request, image_id: str) -> dict[str, Any]:
        policy.authorize(req.context, "os_compute_api:image-metadata:index")
        return {"metadata": self._image(req, image_id)["properties"]}

    @api_version("2.1", MAX_PROXY_API_SUPPORT_VERSION)
    def show(self, req: Request, image_id: str, id: str) -> dict[str, Any]:
        policy.authorize(req.context, "os_compute_api:image-metadata:show")
        metadata = self._image(req, image_id)["properties"]
        if id not in metadata:
            raise webob.exc.HTTPNotFound()
        return {"meta": {id: metadata[id]}}

    @api_version("2.1", MAX_PROXY_API_SUPPORT_VERSION)
    @validation.schema(METADATA_SCHEMA)
    def create(self, req: Request, image_id: str, body: dict[str, Any]) -> dict[str, Any]:
        policy.authorize(req.context, "os_compute_api:image-metadata:create")
        properties = dict(self._image(req, image_id)["properties"])
        properties.update(body["metadata"])
        self._check_quota(properties)
        return {"metadata": self._save(req, image_id, properties)["properties"]}

    @api_version("2.1", MAX_PROXY_API_SUPPORT_VERSION)
    @validation.schema(META_SCHEMA)
    def update(self, req: Request, image_id: str, id: str, body: dict[str, Any]) -> dict[str, Any]:
        policy.authorize(req.context, "os_compute_api:image-metadata:update")
        meta = body["meta"]
        if id not in meta:
            raise webob.exc.HTTPBadRequest(detail="Request body and URI mismatch")
        properties = dict(self._image(req, image_id)["properties"])
        properties[id] = meta[id]
        self._check_quota(properties)
        self._save(req, image_id, properties)
        return {"meta": meta}

    @api_version("2.1", MAX_PROXY_API_SUPPORT_VERSION)
    @validation.schema(METADATA_SCHEMA)
    def update_all(self, req: Request, image_id: str, body: dict[str, Any]) -> dict[str, Any]:
        policy.authorize(req.context, "os_compute_api:image-metadata:update_all")
        self._image(req, image_id)
        metadata = body["metadata"]
        self._check_quota(metadata)
        self._save(req, image_id, dict(metadata))
        return {"metadata": metadata}

    @api_version("2.1", MAX_PROXY_API_SUPPORT_VERSION)
    @response(204)
    def delete(self, req: Request, image_id: str, id: str) -> None:
        policy.authorize(req.context, "os_compute_api:image-metadata:delete")
        properties = dict(self._image(req, image_id)["properties"])
        if id not in properties:
            raise webob.exc.HTTPNotFound(detail="Invalid metadata key")
        del properties[id]
        self._save(req, image_id, properties)


ROUTES = [
    ("/images", {"GET": (ImagesController, "index")}),
    ("/images/detail", {"GET": (ImagesController, "detail")}),
    (
        "/images/{id}",
        {"GET": (ImagesController, "show"), "DELETE": (ImagesController, "delete")},
    ),
    (
        "/images/{image_id}/metadata",
        {
            "GET": (ImageMetadataController, "index"),
            "POST": (ImageMetadataController, "create"),
            "PUT": (ImageMetadataController, "update_all"),
        },
    ),
    (
        "/images/{image_id}/metadata/{id}",
        {
            "GET": (ImageMetadataController, "show"),
            "PUT": (ImageMetadataController, "update"),
            "DELETE": (ImageMetadataController, "delete"),
        },
    ),
]
