"""``/flavors``: list, list with details, show (Nova at microversion 2.1).

Non-admins see the public, enabled flavors plus the private ones their project was
given; a private flavor of someone else answers 404 as if it did not exist.  Admins
see public flavors by default and choose with ``is_public`` (true, false or none).
"""

from __future__ import annotations

from typing import Any

import webob.exc

from common.wsgi.resource import Controller, Request
from compute import exception, objects
from compute.api import policies  # noqa: F401  (registers the os_compute_api rules)
from compute.api.openstack import paging
from compute.api.openstack.views import flavors as views

SORT_KEYS = (
    "created_at",
    "description",
    "disabled",
    "ephemeral_gb",
    "flavorid",
    "id",
    "is_public",
    "memory_mb",
    "name",
    "root_gb",
    "rxtx_factor",
    "swap",
    "updated_at",
    "vcpu_weight",
    "vcpus",
)


def get_flavor(context: Any, flavor_id: str) -> Any:
    """The flavor the context may see, else ``FlavorNotFound`` (404)."""
    return objects.Flavor.get_by_flavor_id(context, flavor_id)


def _parse_is_public(value: str | None) -> bool | None:
    if value is None:
        return True
    if value.strip().lower() == "none":
        return None
    try:
        return paging.bool_from_string(value, strict=True)
    except ValueError:
        raise webob.exc.HTTPBadRequest(detail=f"Invalid is_public filter [{value}]") from None


def _int_filter(req: Request, param: str) -> int | None:
    if param not in req.params:
        return None
    try:
        return int(req.params[param])
    except ValueError:
        raise webob.exc.HTTPBadRequest(
            detail=f"Invalid {param} filter [{req.params[param]}]"
        ) from None


class FlavorsController(Controller):
    def _flavors(self, req: Request) -> list[Any]:
        context = req.context
        filters: dict[str, Any] = {}
        if context.is_admin:
            filters["is_public"] = _parse_is_public(req.params.get("is_public"))
        else:
            filters["is_public"] = True
            filters["disabled"] = False
        min_ram = _int_filter(req, "minRam")
        if min_ram is not None:
            filters["min_memory_mb"] = min_ram
        min_disk = _int_filter(req, "minDisk")
        if min_disk is not None:
            filters["min_root_gb"] = min_disk
        sort_key = req.params.get("sort_key") or "flavorid"
        sort_dir = req.params.get("sort_dir") or "asc"
        if sort_key not in SORT_KEYS:
            raise webob.exc.HTTPBadRequest(detail=exception.InvalidSortKey().format_message())
        limit, marker = paging.limit_and_marker(req)
        try:
            return list(
                objects.FlavorList.get_all(
                    context,
                    filters=filters,
                    sort_key=sort_key,
                    sort_dir=sort_dir,
                    limit=limit,
                    marker=marker,
                )
            )
        except exception.MarkerNotFound:
            raise webob.exc.HTTPBadRequest(detail=f"Marker [{marker}] not found") from None

    def index(self, req: Request) -> dict[str, Any]:
        return views.index(req, self._flavors(req))

    def detail(self, req: Request) -> dict[str, Any]:
        return views.index(req, self._flavors(req), detailed=True)

    def show(self, req: Request, id: str) -> dict[str, Any]:
        return views.show(req, get_flavor(req.context, id))


ROUTES = [
    ("/flavors/detail", {"GET": (FlavorsController, "detail")}),
]
