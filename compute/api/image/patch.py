"""``PATCH /v2/images/{id}``: Glance's JSON-patch dialect over the image document.

The media type is ``application/openstack-images-v2.1-json-patch`` (or the older
``-v2.0-``); the body is a list of operations ``{"op": "add"|"replace"|"remove",
"path": "/<attribute>", "value": ...}`` (v2.0's ``{"replace": "/name", "value": ...}``
is read too).  Paths name one top-level attribute: a core attribute or an
additional property.  Rules, as Glance applies them:

- ``add`` sets an attribute, replacing an existing property;
- ``replace`` of a property that does not exist is 409;
- ``remove`` of a property that does not exist is 409, of a core attribute 403;
- read-only attributes (status, size, checksums, times, id, links) are 403.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from compute.api.image import faults, validation, views

MEDIA_TYPES = (
    "application/openstack-images-v2.1-json-patch",
    "application/openstack-images-v2.0-json-patch",
)
OPERATIONS = ("add", "remove", "replace")


def check_media_type(content_type: str | None) -> None:
    if (content_type or "").lower() not in MEDIA_TYPES:
        raise faults.ImageAPIError(
            415,
            f"The request media type {content_type or 'None'} is not supported by this "
            f"server. Image PATCH expects Content-Type one of: {', '.join(MEDIA_TYPES)}",
            {"Accept-Patch": ", ".join(reversed(MEDIA_TYPES))},
        )


def _attribute(path: Any) -> str:
    if not isinstance(path, str) or not path.startswith("/") or "/" in path[1:] or path == "/":
        raise faults.bad_request(f"Invalid JSON pointer for this resource: '{path}'")
    return path[1:].replace("~1", "/").replace("~0", "~")


def _operation(raw: Any) -> tuple[str, str, Any]:
    if not isinstance(raw, dict):
        raise faults.bad_request("Operations must be JSON objects.")
    if "op" in raw:
        op, path = raw["op"], raw.get("path")
    else:
        named = [name for name in OPERATIONS if name in raw]
        if len(named) != 1:
            raise faults.bad_request("Operation objects must contain exactly one operation.")
        op, path = named[0], raw[named[0]]
    if op not in OPERATIONS:
        raise faults.bad_request(
            f"Invalid operation: `{op}`. It must be one of the following: {', '.join(OPERATIONS)}."
        )
    if op != "remove" and "value" not in raw:
        raise faults.bad_request(f"Operation '{op}' requires a member named 'value'.")
    return op, _attribute(path), raw.get("value")


def apply(image_view: Mapping[str, Any], body: Any) -> dict[str, Any]:
    """The changed attributes of ``image_view`` after the operations of ``body``.

    Returns a Glance-shaped dict of every core attribute that changed plus the
    complete new set of additional properties under the key ``properties``.
    """
    if not isinstance(body, list):
        raise faults.bad_request("Request body must be a JSON array of operation objects.")
    core = {key: image_view.get(key) for key in views.CORE}
    props = views.properties({"properties": _props_of(image_view)})
    changed: dict[str, Any] = {}
    for raw in body:
        op, name, value = _operation(raw)
        validation.check_settable(name, creating=False)
        if name in views.CORE:
            if op == "remove":
                raise faults.forbidden(f"Property {name} may not be removed.")
            validation.check_value(name, value)
            if name == "tags":
                value = list(dict.fromkeys(value))
            core[name] = value
            changed[name] = value
            continue
        if op in ("replace", "remove") and name not in props:
            raise faults.conflict(f"Property {name} does not exist.")
        if op == "remove":
            del props[name]
        else:
            validation.check_value(name, value)
            props[name] = value
    changed["properties"] = props
    return changed


def _props_of(image_view: Mapping[str, Any]) -> dict[str, Any]:
    return {
        key: value
        for key, value in image_view.items()
        if key not in views.CORE and key not in views.RESERVED
    }
