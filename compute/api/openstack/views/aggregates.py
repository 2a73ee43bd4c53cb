"""The Compute API's aggregate bodies at microversion 2.1 (no ``uuid`` before 2.41)."""

from __future__ import annotations

from typing import Any


def aggregate(agg: Any, with_members: bool = True) -> dict[str, Any]:
    body = {
        "id": agg.id,
        "name": agg.name,
        "availability_zone": agg.availability_zone,
        "created_at": agg.created_at,
        "updated_at": agg.updated_at,
        "deleted_at": agg.deleted_at,
        "deleted": agg.deleted,
    }
    if with_members:
        body["hosts"] = list(agg.hosts)
        body["metadata"] = dict(agg.metadata)
    return body


def show(agg: Any, with_members: bool = True) -> dict[str, Any]:
    return {"aggregate": aggregate(agg, with_members)}


def index(aggregates: list[Any]) -> dict[str, Any]:
    return {"aggregates": [aggregate(a) for a in aggregates]}
