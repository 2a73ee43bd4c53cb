"""Query parameters shared by the Compute API's lists: ``limit``, ``marker``, ``offset``
and Nova's boolean and integer parsing, with Nova's 400 messages."""

from __future__ import annotations

from typing import Any

import webob.exc

from common.wsgi.resource import Request
from compute.api.openstack.views.links import max_limit

TRUE_STRINGS = ("1", "t", "true", "on", "y", "yes")
FALSE_STRINGS = ("0", "f", "false", "off", "n", "no")


def validate_integer(value: Any, name: str, min_value: int | None = None) -> int:
    """``int(value)`` or a 400 in Nova's words ("limit must be an integer")."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise webob.exc.HTTPBadRequest(
            detail=f"Invalid input received: {name} must be an integer"
        ) from None
    if min_value is not None and number < min_value:
        raise webob.exc.HTTPBadRequest(
            detail=f"Invalid input received: {name} must be >= {min_value}"
        )
    return number


def limit_and_marker(req: Request) -> tuple[int, str | None]:
    """The page size (never above ``[api] max_limit``) and the marker."""
    top = max_limit()
    limit = top
    if "limit" in req.GET:
        limit = min(top, validate_integer(req.GET["limit"], "limit", 0))
    return limit, req.GET.get("marker")


def limited(items: list[Any], req: Request) -> list[Any]:
    """Nova's ``offset``/``limit`` slicing of a list already in memory."""
    offset = validate_integer(req.GET.get("offset", 0), "offset", 0)
    limit = max_limit()
    if "limit" in req.GET:
        limit = min(limit, validate_integer(req.GET["limit"], "limit", 0))
    return items[offset : offset + limit]


def bool_from_string(value: Any, strict: bool = False) -> bool:
    """oslo's reading of booleans; ``strict`` refuses anything unrecognised."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE_STRINGS:
        return True
    if strict and text not in FALSE_STRINGS:
        raise ValueError(
            f"Unrecognized value '{value}', acceptable values are: "
            f"'{', '.join(sorted(TRUE_STRINGS + FALSE_STRINGS))}'"
        )
    return False
