"""``GET /v2/schemas/image`` and ``/v2/schemas/images``: JSON schemas of the documents.

glanceclient and some tools fetch them to learn which attributes are core (typed,
some read-only) and that any other attribute is a string property.  Same names and
types as Glance's schemas; the descriptions are ours.
"""

from __future__ import annotations

import copy
from typing import Any

from compute.image import api as image_api

_NULLABLE_STRING = ["null", "string"]


def _string(description: str, **extra: Any) -> dict[str, Any]:
    return {"type": _NULLABLE_STRING, "description": description, **extra}


def _read_only(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "readOnly": True}


_STATUSES = [
    "queued",
    "saving",
    "active",
    "killed",
    "deleted",
    "uploading",
    "importing",
    "pending_delete",
    "deactivated",
]

_IMAGE_PROPERTIES: dict[str, Any] = {
    "id": {
        "type": "string",
        "description": "The image's identifier, a UUID.",
        "pattern": (
            "^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}"
            "-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$"
        ),
    },
    "name": _string("A name for people to find the image by.", maxLength=255),
    "status": {
        "type": "string",
        "readOnly": True,
        "description": "Where the image is in its life: queued until data is uploaded.",
        "enum": _STATUSES,
    },
    "visibility": {
        "type": "string",
        "description": "Who may see the image.",
        "enum": list(image_api.VISIBILITIES),
    },
    "protected": {"type": "boolean", "description": "A protected image cannot be deleted."},
    "os_hidden": {
        "type": "boolean",
        "description": "Hidden images are left out of image lists unless asked for.",
    },
    "checksum": _read_only(_string("MD5 of the image data.", maxLength=32)),
    "os_hash_algo": _read_only(_string("The algorithm of os_hash_value.", maxLength=64)),
    "os_hash_value": _read_only(_string("Hex digest of the image data.", maxLength=128)),
    "owner": _string("The project owning the image.", maxLength=255),
    "size": _read_only({"type": ["null", "integer"], "description": "Bytes of image data."}),
    "virtual_size": _read_only(
        {"type": ["null", "integer"], "description": "Bytes of the disk the image holds."}
    ),
    "container_format": _string(
        "How the image data is packaged.", enum=[None, *image_api.CONTAINER_FORMATS]
    ),
    "disk_format": _string("The format of the disk image.", enum=[None, *image_api.DISK_FORMATS]),
    "created_at": _read_only({"type": "string", "description": "When the image was created."}),
    "updated_at": _read_only({"type": "string", "description": "When the image last changed."}),
    "tags": {
        "type": "array",
        "description": "Free-form labels.",
        "items": {"type": "string", "maxLength": 255},
    },
    "min_ram": {"type": "integer", "description": "MiB of RAM a server of this image needs."},
    "min_disk": {"type": "integer", "description": "GiB of disk a server of this image needs."},
    "self": _read_only({"type": "string", "description": "Path of the image document."}),
    "file": _read_only({"type": "string", "description": "Path of the image data."}),
    "schema": _read_only({"type": "string", "description": "Path of this schema."}),
    "locations": {"type": "array", "description": "Not offered by this image service."},
    "direct_url": _read_only({"type": "string", "description": "Not offered."}),
}

_IMAGE_SCHEMA: dict[str, Any] = {
    "name": "image",
    "properties": _IMAGE_PROPERTIES,
    "additionalProperties": {"type": "string"},
    "links": [
        {"rel": "self", "href": "{self}"},
        {"rel": "enclosure", "href": "{file}"},
        {"rel": "describedby", "href": "{schema}"},
    ],
}


def image_schema() -> dict[str, Any]:
    return copy.deepcopy(_IMAGE_SCHEMA)


def images_schema() -> dict[str, Any]:
    return {
        "name": "images",
        "properties": {
            "images": {"type": "array", "items": image_schema()},
            "schema": {"type": "string"},
            "first": {"type": "string"},
            "next": {"type": "string"},
        },
        "links": [
            {"rel": "first", "href": "{first}"},
            {"rel": "next", "href": "{next}"},
            {"rel": "describedby", "href": "{schema}"},
        ],
    }
