"""An image of the image service as Glance v2 shows it.

Nova's image dicts keep additional properties under ``properties``; Glance puts
them at the top level next to the core attributes, and adds the ``self``, ``file``
and ``schema`` links (relative to the API root, as Glance writes them).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Core attributes in the order Glance lists them.
CORE = (
    "name",
    "disk_format",
    "container_format",
    "visibility",
    "size",
    "virtual_size",
    "status",
    "checksum",
    "protected",
    "min_ram",
    "min_disk",
    "owner",
    "os_hidden",
    "os_hash_algo",
    "os_hash_value",
    "id",
    "created_at",
    "updated_at",
    "tags",
)
LINKS = ("self", "file", "schema")
# Names that are never image properties: links and Glance's location attributes.
RESERVED = (*LINKS, "location", "locations", "direct_url")

_DEFAULTS: dict[str, Any] = {"protected": False, "os_hidden": False, "min_ram": 0, "min_disk": 0}


def image_path(image_id: str) -> str:
    return f"/v2/images/{image_id}"


def properties(image: Mapping[str, Any]) -> dict[str, Any]:
    return {
        str(key): value
        for key, value in (image.get("properties") or {}).items()
        if key not in CORE and key not in RESERVED
    }


def show(image: Mapping[str, Any]) -> dict[str, Any]:
    """The Glance v2 document of ``image`` (a dict of :mod:`compute.image.api`)."""
    view: dict[str, Any] = properties(image)
    for key in CORE:
        value = image.get(key, _DEFAULTS.get(key))
        view[key] = list(value or []) if key == "tags" else value
    path = image_path(image["id"])
    view["self"] = path
    view["file"] = f"{path}/file"
    view["schema"] = "/v2/schemas/image"
    return view
