"""``POST /flavors`` and ``DELETE /flavors/{id}``: admins create and delete flavors.

The checks after the schema are Nova's ``flavors.create``: integers in range (given as
numbers or digit strings), ``rxtx_factor`` a positive float, ``is_public`` a boolean,
the id a fresh uuid when absent; duplicates of name or id are 409.
"""

from __future__ import annotations

from typing import Any

from common.wsgi import policy, validation
from common.wsgi.resource import Controller, Request, response
from compute import exception, objects
from compute.api.openstack import paging
from compute.api.openstack.schemas import flavor_manage as schema
from compute.api.openstack.schemas.types import MAX_INT, SQL_SP_FLOAT_MAX
from compute.api.openstack.views import flavors as views

# body key -> (Flavor field, the name Nova's messages use, minimum)
INTEGER_FIELDS = (
    ("ram", "memory_mb", "ram", 1),
    ("vcpus", "vcpus", "vcpus", 1),
    ("disk", "root_gb", "disk", 0),
    ("OS-FLV-EXT-DATA:ephemeral", "ephemeral_gb", "ephemeral", 0),
    ("swap", "swap", "swap", 0),
)


def _integer(value: Any, name: str, minimum: int) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        raise exception.InvalidInput(reason=f"{name} must be an integer") from None
    if number < minimum:
        raise exception.InvalidInput(reason=f"{name} must be >= {minimum}")
    if number > MAX_INT:
        raise exception.InvalidInput(reason=f"{name} must be <= {MAX_INT}")
    return number


def flavor_values(spec: dict[str, Any]) -> dict[str, Any]:
    """Flavor fields from a validated ``flavor`` body."""
    values: dict[str, Any] = {"name": spec["name"].strip()}
    for key, field, name, minimum in INTEGER_FIELDS:
        values[field] = _integer(spec.get(key, 0), name, minimum)
    try:
        rxtx = float(spec.get("rxtx_factor", 1.0))
        if rxtx <= 0 or rxtx > SQL_SP_FLOAT_MAX:
            raise ValueError
    except ValueError:
        raise exception.InvalidInput(
            reason=f"'rxtx_factor' argument must be a float between 0 and {SQL_SP_FLOAT_MAX:g}"
        ) from None
    values["rxtx_factor"] = rxtx
    try:
        values["is_public"] = paging.bool_from_string(
            spec.get("os-flavor-access:is_public", True), strict=True
        )
    except ValueError:
        raise exception.InvalidInput(reason="is_public must be a boolean") from None
    flavorid = spec.get("id")
    if flavorid is not None:
        values["flavorid"] = str(flavorid)
    return values


class FlavorManageController(Controller):
    @validation.schema(schema.create)
    def create(self, req: Request, body: dict[str, Any]) -> dict[str, Any]:
        context = req.context
        policy.authorize(context, "os_compute_api:os-flavor-manage:create", {})
        flavor = objects.Flavor(context=context, **flavor_values(body["flavor"]))
        flavor.create()  # FlavorExists / FlavorIdExists -> 409
        return views.show(req, flavor)

    @response(202)
    def delete(self, req: Request, id: str) -> None:
        context = req.context
        policy.authorize(context, "os_compute_api:os-flavor-manage:delete", {})
        objects.Flavor.get_by_flavor_id(context, id).destroy()
