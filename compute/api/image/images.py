"""``/v2/images`` and ``/v2/images/{id}``: list, show, create, update, delete, tags.

Everything goes through :func:`compute.image.api.get_image_service`, which decides
what a caller may see and change (Glance's visibility rules); this module adds
Glance's wire format: the request checks, the messages and the status codes.
"""

from __future__ import annotations

from typing import Any

from common.wsgi.resource import Request
from compute import exception
from compute.api.image import faults, listing, patch, validation, views
from compute.api.image.wire import Result, context, read_json
from compute.image import api as image_api


def service() -> image_api.ImageService:
    return image_api.get_image_service()


def get_image(req: Request, image_id: str) -> dict[str, Any]:
    """The image as the caller sees it; 404 with Glance's message otherwise."""
    try:
        return service().show(context(req), image_id)
    except exception.ImageNotFound:
        raise faults.not_found(f"No image found with ID {image_id}") from None


def _visible(req: Request, visibility: str | None) -> list[dict[str, Any]]:
    images = service()
    ctxt = context(req)
    if visibility == "community":
        return images.detail(ctxt, {"visibility": "community"})
    found = images.detail(ctxt)
    if visibility == "all":
        seen = {image["id"] for image in found}
        found += [
            image
            for image in images.detail(ctxt, {"visibility": "community"})
            if image["id"] not in seen
        ]
    return found


def index(req: Request) -> dict[str, Any]:
    query = listing.parse(req.GET.items())
    page, more = listing.select(query, _visible(req, query.visibility))
    return {
        "images": [views.show(image) for image in page],
        **listing.links(query, page, more),
        "schema": "/v2/schemas/images",
    }


def show(req: Request, image_id: str) -> dict[str, Any]:
    return views.show(get_image(req, image_id))


def create(req: Request) -> Result:
    body = read_json(req)
    if not isinstance(body, dict):
        raise faults.bad_request("Request body must be a JSON object.")
    for key, value in body.items():
        validation.check_settable(key, creating=True)
        validation.check_value(key, value)
    core, props = validation.split(body)
    try:
        image = service().create(context(req), {**core, "properties": props})
    except exception.ImageNotAuthorized:
        raise faults.forbidden(_create_refusal(core)) from None
    path = views.image_path(image["id"])
    return Result(views.show(image), 201, {"Location": f"{req.application_url.rstrip('/')}{path}"})


def _create_refusal(core: dict[str, Any]) -> str:
    if core.get("visibility") in ("public", "community"):
        return f"You are not authorized to create {core['visibility']} images."
    if "owner" in core:
        return f"You are not permitted to create images owned by '{core['owner']}'."
    return "You are not authorized to create this image."


def update(req: Request, image_id: str) -> dict[str, Any]:
    patch.check_media_type(req.content_type)
    body = read_json(req)
    current = show(req, image_id)
    changes = patch.apply(current, body)
    props = changes.pop("properties")
    try:
        image = service().update(
            context(req), image_id, {**changes, "properties": props}, purge_props=True
        )
    except exception.ImageNotAuthorized:
        raise faults.forbidden(_update_refusal(changes)) from None
    return views.show(image)


def _update_refusal(changes: dict[str, Any]) -> str:
    if changes.get("visibility") in ("public", "community"):
        return f"You are not authorized to make images {changes['visibility']}."
    return "You are not authorized to change this image."


def delete(req: Request, image_id: str) -> Result:
    image = get_image(req, image_id)
    if image.get("protected"):
        raise faults.forbidden(f"Image {image_id} is protected and cannot be deleted.")
    try:
        service().delete(context(req), image_id)
    except exception.ImageNotAuthorized:
        raise faults.forbidden("You are not authorized to delete this image.") from None
    except exception.ImageNotFound:
        raise faults.not_found(f"No image found with ID {image_id}") from None
    return Result(None, 204)


def _set_tags(req: Request, image_id: str, tags: list[str]) -> None:
    try:
        service().update(context(req), image_id, {"tags": tags})
    except exception.ImageNotAuthorized:
        raise faults.forbidden("You are not authorized to change this image.") from None


def add_tag(req: Request, image_id: str, tag: str) -> Result:
    validation.check_value("tags", [tag])
    tags = list(get_image(req, image_id).get("tags") or [])
    if tag not in tags:
        _set_tags(req, image_id, [*tags, tag])
    return Result(None, 204)


def delete_tag(req: Request, image_id: str, tag: str) -> Result:
    tags = list(get_image(req, image_id).get("tags") or [])
    if tag not in tags:
        raise faults.not_found(f"Tag {tag} not found on image {image_id}.")
    _set_tags(req, image_id, [t for t in tags if t != tag])
    return Result(None, 204)
