"""``GET /v2/images``: Glance's filters, sorting and pages over the visible images.

Query parameters, as Glance reads them:

- ``limit`` (default 25, at most 1000), ``marker`` (the id of the last image of the
  previous page; it must be an image the caller sees);
- ``sort=key:dir,key2`` or the older ``sort_key=k&sort_dir=d`` (repeatable; the two
  syntaxes cannot be mixed); default newest first, ties broken by id;
- ``name``, ``id``, ``status``, ``owner``, ``disk_format``, ``container_format``,
  ``checksum``, ``os_hash_value``, ``min_ram``, ``min_disk``: equal, or one of
  ``in:"a","b"``; ``visibility`` (``public|private|shared|community|all``);
  ``member_status``; ``protected`` and ``os_hidden`` (``true|false``; hidden images
  are listed only when asked for); ``tag`` (repeatable: all of them);
  ``size_min``/``size_max``; ``created_at``/``updated_at`` as ``op:time`` with op in
  gt, gte, lt, lte, eq, neq; any other name: an additional property equal to it.

The answer carries ``first`` and, while more images follow, ``next``: paths
relative to the API root (``/v2/images?limit=2&marker=...``), which clients follow.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import functools
import urllib.parse
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from compute.api.image import faults
from compute.image import api as image_api

DEFAULT_LIMIT = 25
MAX_LIMIT = 1000
SORT_KEYS = (
    "name",
    "status",
    "container_format",
    "disk_format",
    "size",
    "id",
    "created_at",
    "updated_at",
)
SORT_DIRS = ("asc", "desc")
VISIBILITY_FILTERS = ("public", "private", "shared", "community", "all")
MEMBER_STATUSES = ("accepted", "pending", "rejected", "all")

_PAGING_PARAMS = ("limit", "marker", "sort", "sort_key", "sort_dir")
_EXACT = (
    "id",
    "name",
    "status",
    "owner",
    "disk_format",
    "container_format",
    "checksum",
    "os_hash_value",
    "min_ram",
    "min_disk",
)
_BOOLEANS = ("protected", "os_hidden")
_TIME_OPERATORS: dict[str, Callable[[datetime.datetime, datetime.datetime], bool]] = {
    "gt": lambda value, wanted: value > wanted,
    "gte": lambda value, wanted: value >= wanted,
    "lt": lambda value, wanted: value < wanted,
    "lte": lambda value, wanted: value <= wanted,
    "eq": lambda value, wanted: value == wanted,
    "neq": lambda value, wanted: value != wanted,
}

Predicate = Callable[[Mapping[str, Any]], bool]


@dataclasses.dataclass
class ListQuery:
    """A parsed ``GET /v2/images`` query."""

    predicates: list[Predicate]
    visibility: str | None
    sort: list[tuple[str, str]]
    limit: int
    marker: str | None
    params: list[tuple[str, str]]


def _parse_limit(value: str | None) -> int:
    if value is None:
        return DEFAULT_LIMIT
    try:
        limit = int(value)
    except ValueError:
        raise faults.bad_request("limit param must be an integer") from None
    if limit < 0:
        raise faults.bad_request("limit param must be positive")
    return min(limit, MAX_LIMIT)


def _check_sort(key: str, direction: str) -> tuple[str, str]:
    if key not in SORT_KEYS:
        raise faults.bad_request(
            f"Invalid sort key: {key}. It must be one of the following: {', '.join(SORT_KEYS)}."
        )
    if direction not in SORT_DIRS:
        raise faults.bad_request(f"Invalid sort direction: {direction}")
    return key, direction


def _parse_sort(params: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    new = [v for k, v in params if k == "sort"]
    keys = [v for k, v in params if k == "sort_key"]
    dirs = [v for k, v in params if k == "sort_dir"]
    if new and (keys or dirs):
        raise faults.bad_request("Old and new sorting syntax cannot be combined")
    sort: list[tuple[str, str]] = []
    if new:
        for item in ",".join(new).split(","):
            key, _colon, direction = item.strip().partition(":")
            sort.append(_check_sort(key.strip(), direction.strip() or "desc"))
    else:
        if len(dirs) > 1 and len(dirs) != len(keys):
            raise faults.bad_request("Number of sort dirs does not match the number of sort keys")
        if dirs and not keys:
            keys = ["created_at"]
        for index, key in enumerate(keys):
            direction = dirs[index] if len(dirs) > 1 else (dirs[0] if dirs else "desc")
            sort.append(_check_sort(key, direction))
    if not sort:
        sort.append(("created_at", "desc"))
    named = {key for key, _ in sort}
    for key in ("created_at", "id"):
        if key not in named:
            sort.append((key, sort[0][1]))
    return sort


def _values(raw: str) -> list[str]:
    """``in:"a","b,c",d`` -> [a, "b,c", d]; anything else is one value."""
    if not raw.startswith("in:"):
        return [raw]
    rows = list(csv.reader([raw[3:]], skipinitialspace=True))
    return [value for value in (rows[0] if rows else []) if value != ""]


def _exact(key: str, raw: str) -> Predicate:
    wanted = set(_values(raw))

    def match(image: Mapping[str, Any]) -> bool:
        value = image.get(key)
        return value is not None and str(value) in wanted

    return match


def _boolean(key: str, raw: str) -> Predicate:
    lowered = raw.strip().lower()
    if lowered not in ("true", "false"):
        raise faults.bad_request(
            f"Invalid value '{raw}' for '{key}' filter. Valid values are 'true' or 'false'."
        )
    wanted = lowered == "true"
    return lambda image: bool(image.get(key, False)) == wanted


def _size(key: str, raw: str) -> Predicate:
    try:
        bound = int(raw)
    except ValueError:
        raise faults.bad_request("Unable to filter on a range with a non-numeric value.") from None

    def match(image: Mapping[str, Any]) -> bool:
        size = image.get("size")
        if size is None:
            return False
        return size >= bound if key == "size_min" else size <= bound

    return match


def _time(key: str, raw: str) -> Predicate:
    operator, sep, value = raw.partition(":")
    if not sep or operator not in _TIME_OPERATORS:
        if sep and operator.isalpha():
            raise faults.bad_request("Unable to filter on a unknown operator.")
        operator, value = "eq", raw
    try:
        wanted = image_api.parse_isotime(value)
    except ValueError:
        raise faults.bad_request(f"Invalid date format for {key}: {value}") from None
    compare = _TIME_OPERATORS[operator]

    def match(image: Mapping[str, Any]) -> bool:
        stamp = image.get(key)
        return stamp is not None and compare(image_api.parse_isotime(stamp), wanted)

    return match


def _tags(wanted: list[str]) -> Predicate:
    return lambda image: all(tag in (image.get("tags") or []) for tag in wanted)


def _property(key: str, raw: str) -> Predicate:
    wanted = set(_values(raw))

    def match(image: Mapping[str, Any]) -> bool:
        props = image.get("properties") or {}
        return key in props and str(props[key]) in wanted

    return match


def parse(params: Iterable[tuple[str, str]]) -> ListQuery:
    """Parse the query string items of ``GET /v2/images``; 400 for what Glance refuses."""
    items = list(params)
    single = dict(items)
    predicates: list[Predicate] = []
    visibility = single.get("visibility")
    if visibility is not None and visibility not in VISIBILITY_FILTERS:
        raise faults.bad_request(f"Invalid visibility value: {visibility}")
    member_status = single.get("member_status")
    if member_status is not None and member_status not in MEMBER_STATUSES:
        raise faults.bad_request(f"Invalid status: {member_status}")
    if visibility not in (None, "all"):
        predicates.append(lambda image, wanted=visibility: image.get("visibility") == wanted)
    tags = [value for key, value in items if key == "tag"]
    if tags:
        predicates.append(_tags(tags))
    if "os_hidden" not in single:
        predicates.append(lambda image: not image.get("os_hidden", False))
    for key, raw in single.items():
        if key in (*_PAGING_PARAMS, "visibility", "member_status", "tag"):
            continue
        if key in _EXACT:
            predicates.append(_exact(key, raw))
        elif key in _BOOLEANS:
            predicates.append(_boolean(key, raw))
        elif key in ("size_min", "size_max"):
            predicates.append(_size(key, raw))
        elif key in ("created_at", "updated_at"):
            predicates.append(_time(key, raw))
        else:
            predicates.append(_property(key, raw))
    return ListQuery(
        predicates=predicates,
        visibility=visibility,
        sort=_parse_sort(items),
        limit=_parse_limit(single.get("limit")),
        marker=single.get("marker"),
        params=[(k, v) for k, v in items if k != "marker"],
    )


def _sortable(value: Any) -> tuple[int, Any]:
    # Missing values sort first in ascending order (as NULLs do in Glance's MySQL).
    return (0, "") if value is None else (1, value)


def _compare(sort: Sequence[tuple[str, str]], a: Mapping[str, Any], b: Mapping[str, Any]) -> int:
    for key, direction in sort:
        left, right = _sortable(a.get(key)), _sortable(b.get(key))
        if left == right:
            continue
        try:
            result = -1 if left < right else 1
        except TypeError:
            result = -1 if str(left) < str(right) else 1
        return result if direction == "asc" else -result
    return 0


def select(
    query: ListQuery, visible: Sequence[Mapping[str, Any]]
) -> tuple[list[Mapping[str, Any]], bool]:
    """(one page of the images matching ``query``, whether more follow)."""
    order = functools.cmp_to_key(functools.partial(_compare, query.sort))
    matching = sorted((i for i in visible if all(p(i) for p in query.predicates)), key=order)
    if query.marker is not None:
        marker = next((i for i in visible if i.get("id") == query.marker), None)
        if marker is None:
            raise faults.bad_request(f"No image found with ID {query.marker}")
        matching = [i for i in matching if _compare(query.sort, i, marker) > 0]
    return matching[: query.limit], len(matching) > query.limit


def links(query: ListQuery, page: Sequence[Mapping[str, Any]], more: bool) -> dict[str, str]:
    """``first`` and (when more follow) ``next``, relative to the API root."""
    first = "/v2/images"
    if query.params:
        first += "?" + urllib.parse.urlencode(query.params)
    result = {"first": first}
    if more and page:
        params = [*query.params, ("marker", str(page[-1]["id"]))]
        result["next"] = "/v2/images?" + urllib.parse.urlencode(params)
    return result
