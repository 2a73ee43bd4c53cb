"""Links in Compute API bodies: ``self``/``bookmark`` of an item, ``next`` of a page.

Nova writes the project id into a link only when the client used it in the request's
URL, and a bookmark is the same link without the version segment.  A page that is as
long as the limit gets a ``next`` link carrying the request's query with the marker of
its last item.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from common.config import CONF
from common.wsgi.resource import Request

DEFAULT_MAX_LIMIT = 1000


def max_limit() -> int:
    """``[api] max_limit`` when registered (Nova's default otherwise)."""
    try:
        return int(CONF.api.max_limit)
    except Exception:  # noqa: BLE001  (the option belongs to another module)
        return DEFAULT_MAX_LIMIT


def project_segment(req: Request) -> str:
    """``/{project_id}`` when the client's URL carried it, else ``""``."""
    project_id = req.context.project_id if req.context else None
    if project_id and f"/{project_id}/" in req.path_info + "/":
        return f"/{project_id}"
    return ""


def _unversioned(url: str) -> str:
    head, _sep, last = url.rstrip("/").rpartition("/")
    if last.startswith("v") and last[1:].replace(".", "").isdigit():
        return head
    return url.rstrip("/")


def href(req: Request, collection: str, identifier: str) -> str:
    return f"{req.application_url.rstrip('/')}{project_segment(req)}/{collection}/{identifier}"


def bookmark(req: Request, collection: str, identifier: str) -> str:
    base = _unversioned(req.application_url)
    return f"{base}{project_segment(req)}/{collection}/{identifier}"


def item_links(req: Request, collection: str, identifier: str) -> list[dict[str, str]]:
    return [
        {"rel": "self", "href": href(req, collection, identifier)},
        {"rel": "bookmark", "href": bookmark(req, collection, identifier)},
    ]


def collection_links(
    req: Request, items: Sequence[Any], collection: str, marker_of: Any
) -> list[dict[str, str]]:
    """``[{"rel": "next", "href": ...}]`` when ``items`` filled the page, else ``[]``."""
    try:
        limit = min(int(req.params.get("limit", max_limit())), max_limit())
    except ValueError:
        limit = max_limit()
    if not items or len(items) != limit:
        return []
    params = dict(sorted(req.params.items()))
    params["marker"] = str(marker_of(items[-1]))
    url = f"{req.application_url.rstrip('/')}{project_segment(req)}/{collection}"
    return [{"rel": "next", "href": f"{url}?{urlencode(params)}"}]
