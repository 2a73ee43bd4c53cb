"""Which image attributes a caller may set, and the values Glance's schema allows.

The same rules serve ``POST /v2/images`` and ``PATCH /v2/images/{id}``: a read-only
attribute is 403, a value the image schema refuses is 400, an additional property
must be a string (Glance's ``additionalProperties: {"type": "string"}``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from compute.api.image import faults, views
from compute.image import api as image_api

# Attributes the image service computes.  ``id`` is settable only at creation.
READ_ONLY = (
    "status",
    "size",
    "virtual_size",
    "checksum",
    "os_hash_algo",
    "os_hash_value",
    "created_at",
    "updated_at",
)
UUID_PATTERN = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
MAX_NAME = 255
MAX_PROPERTY_VALUE = 65535


def _schema_error(reason: str) -> faults.ImageAPIError:
    return faults.bad_request(f"Provided object does not match schema 'image': {reason}")


def check_settable(key: str, creating: bool) -> None:
    """403 unless a caller may set ``key`` (``id`` only when creating)."""
    if key in READ_ONLY or (key == "id" and not creating):
        raise faults.forbidden(f"Attribute '{key}' is read-only.")
    if key in views.RESERVED:
        if creating:
            raise faults.forbidden(f"Attribute '{key}' is reserved.")
        raise faults.forbidden(f"Attribute '{key}' is read-only.")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_value(key: str, value: Any) -> None:
    """400 when ``value`` is not what the image schema allows for ``key``."""
    if key == "id":
        if not isinstance(value, str) or not UUID_PATTERN.match(value):
            raise _schema_error(f"{value!r} is not a valid image id (a UUID)")
    elif key in ("name", "owner"):
        if value is not None and not isinstance(value, str):
            raise _schema_error(f"{value!r} is not of type 'null', 'string'")
        if isinstance(value, str) and len(value) > MAX_NAME:
            raise _schema_error(f"{key} is longer than {MAX_NAME} characters")
    elif key in ("disk_format", "container_format"):
        allowed = image_api.DISK_FORMATS if key == "disk_format" else image_api.CONTAINER_FORMATS
        if value is not None and value not in allowed:
            raise _schema_error(f"{value!r} is not one of {[None, *allowed]}")
    elif key == "visibility":
        if value not in image_api.VISIBILITIES:
            raise _schema_error(f"{value!r} is not one of {list(image_api.VISIBILITIES)}")
    elif key in ("protected", "os_hidden"):
        if not isinstance(value, bool):
            raise _schema_error(f"{value!r} is not of type 'boolean'")
    elif key in ("min_ram", "min_disk"):
        if not _is_int(value):
            raise _schema_error(f"{value!r} is not of type 'integer'")
        if value < 0:
            raise _schema_error(f"{key} must be a non-negative integer")
    elif key == "tags":
        if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
            raise _schema_error(f"{value!r} is not an array of strings")
        if any(len(t) > MAX_NAME for t in value):
            raise _schema_error(f"a tag is longer than {MAX_NAME} characters")
    else:
        if len(key) > MAX_NAME or not key:
            raise _schema_error(f"property name {key[:40]!r}... is too long or empty")
        if not isinstance(value, str):
            raise _schema_error(f"{value!r} is not of type 'string'")
        if len(value) > MAX_PROPERTY_VALUE:
            raise _schema_error(f"the value of {key} is too long")


def split(attrs: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(core attributes, additional properties) of a Glance-shaped attribute dict."""
    core: dict[str, Any] = {}
    props: dict[str, Any] = {}
    for key, value in attrs.items():
        if key in views.CORE:
            core[key] = value
        else:
            props[key] = value
    if "tags" in core:
        # Glance keeps tags as a set; the order of first appearance is kept here.
        core["tags"] = list(dict.fromkeys(core["tags"]))
    return core, props
