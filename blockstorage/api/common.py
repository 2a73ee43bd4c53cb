"""What the Block Storage API controllers share: Cinder's query parsing (pagination,
sorting, booleans), links, and the one ``orchestration.API`` per process."""

from __future__ import annotations

import functools
from typing import Any
from urllib.parse import urlencode

import webob.exc

from blockstorage import orchestration
from common.config import CONF
from common.wsgi.resource import Request

TRUE_STRINGS = ("1", "t", "true", "on", "y", "yes")
FALSE_STRINGS = ("0", "f", "false", "off", "n", "no")


@functools.cache
def volume_api() -> orchestration.API:
    return orchestration.API()


def bool_param(value: Any, name: str) -> bool:
    """oslo's strict boolean, or a 400 in Cinder's words."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE_STRINGS:
        return True
    if text in FALSE_STRINGS:
        return False
    raise webob.exc.HTTPBadRequest(
        detail=f"Invalid input received: Invalid value '{value}' for {name}"
    )


def int_param(value: Any, name: str, min_value: int | None = None) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise webob.exc.HTTPBadRequest(
            detail=f"Invalid input received: {name} param must be an integer"
        ) from None
    if min_value is not None and number < min_value:
        raise webob.exc.HTTPBadRequest(
            detail=f"Invalid input received: {name} param must be positive"
        )
    return number


def pagination_params(params: dict[str, Any]) -> tuple[str | None, int, int | None]:
    """Pop ``marker``, ``limit`` (capped at ``osapi_max_limit``) and ``offset``."""
    marker = params.pop("marker", None)
    limit = CONF.osapi_max_limit
    if "limit" in params:
        limit = min(int_param(params.pop("limit"), "limit", 0), CONF.osapi_max_limit)
    offset = None
    if "offset" in params:
        offset = int_param(params.pop("offset"), "offset", 0)
    return marker, limit, offset


def sort_params(
    params: dict[str, Any], default_key: str = "created_at", default_dir: str = "desc"
) -> tuple[list[str], list[str]]:
    """Cinder's ``sort=key1:dir1,key2`` or the older ``sort_key``/``sort_dir``."""
    if "sort" in params:
        if "sort_key" in params or "sort_dir" in params:
            raise webob.exc.HTTPBadRequest(
                detail="Invalid input received: The 'sort_key' and 'sort_dir' parameters "
                "are deprecated and cannot be used with the 'sort' parameter."
            )
        keys, dirs = [], []
        for item in str(params.pop("sort")).split(","):
            key, _sep, direction = item.strip().partition(":")
            if not key:
                continue
            keys.append(key.strip())
            if direction:
                dirs.append(direction.strip())
        return keys, dirs
    key = params.pop("sort_key", default_key)
    direction = params.pop("sort_dir", default_dir)
    return [key], [direction]


def project_url(req: Request) -> str:
    """``http://host/v3/<project>``, the base of every link."""
    return f"{req.application_url.rstrip('/')}/{req.context.project_id}"


def bookmark_url(req: Request) -> str:
    base = req.application_url.rstrip("/")
    if base.endswith("/v3"):
        base = base[: -len("/v3")]
    return f"{base}/{req.context.project_id}"


def item_links(req: Request, collection: str, identifier: str) -> list[dict[str, str]]:
    return [
        {"rel": "self", "href": f"{project_url(req)}/{collection}/{identifier}"},
        {"rel": "bookmark", "href": f"{bookmark_url(req)}/{collection}/{identifier}"},
    ]


def collection_links(
    req: Request, items: list[Any], collection: str, limit: int
) -> list[dict[str, str]]:
    """``next`` when the page is full: the request's query with the last id as marker."""
    if not items or len(items) < limit:
        return []
    params = dict(req.GET.items())
    params["marker"] = items[-1].id
    return [{"rel": "next", "href": f"{project_url(req)}/{collection}?{urlencode(params)}"}]


def iso(value: Any) -> str | None:
    """Cinder's timestamps: ``2026-11-26T09:30:00.000000``."""
    return value.strftime("%Y-%m-%dT%H:%M:%S.%f") if value is not None else None
