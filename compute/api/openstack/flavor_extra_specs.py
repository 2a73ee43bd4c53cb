"""``/flavors/{flavor_id}/os-extra_specs[/{id}]``: a flavor's extra specs.

Anyone who can see the flavor may read them; admins change them.  Numbers and
booleans are stored (and answered) as strings, as Nova does.
"""

from __future__ import annotations

from typing import Any

import webob.exc

from common.wsgi import policy, validation
from common.wsgi.resource import Controller, Request, response
from compute import exception
from compute.api.openstack.flavors import get_flavor
from compute.api.openstack.schemas import flavor_extra_specs as schema

RULE = "os_compute_api:os-flavor-extra-specs:%s"


def _as_strings(specs: dict[str, Any]) -> dict[str, str]:
    return {key: str(value) for key, value in specs.items()}


class FlavorExtraSpecsController(Controller):
    def index(self, req: Request, flavor_id: str) -> dict[str, Any]:
        context = req.context
        policy.authorize(context, RULE % "index")
        return {"extra_specs": dict(get_flavor(context, flavor_id).extra_specs)}

    def show(self, req: Request, flavor_id: str, id: str) -> dict[str, Any]:
        context = req.context
        policy.authorize(context, RULE % "show")
        flavor = get_flavor(context, flavor_id)
        if id not in flavor.extra_specs:
            raise exception.FlavorExtraSpecsNotFound(flavor_id=flavor_id, extra_specs_key=id)
        return {id: flavor.extra_specs[id]}

    @validation.schema(schema.create)
    def create(self, req: Request, flavor_id: str, body: dict[str, Any]) -> dict[str, Any]:
        context = req.context
        policy.authorize(context, RULE % "create", {})
        specs = _as_strings(body["extra_specs"])
        flavor = get_flavor(context, flavor_id)
        flavor.extra_specs = {**flavor.extra_specs, **specs}
        flavor.save()
        return {"extra_specs": specs}

    @validation.schema(schema.update)
    def update(self, req: Request, flavor_id: str, id: str, body: dict[str, Any]) -> dict[str, Any]:
        context = req.context
        policy.authorize(context, RULE % "update", {})
        if id not in body:
            raise webob.exc.HTTPBadRequest(detail="Request body and URI mismatch")
        specs = _as_strings(body)
        flavor = get_flavor(context, flavor_id)
        flavor.extra_specs = {**flavor.extra_specs, **specs}
        flavor.save()
        return specs

    @response(202)
    def delete(self, req: Request, flavor_id: str, id: str) -> None:
        context = req.context
        policy.authorize(context, RULE % "delete", {})
        flavor = get_flavor(context, flavor_id)
        if id not in flavor.extra_specs:
            raise exception.FlavorExtraSpecsNotFound(flavor_id=flavor_id, extra_specs_key=id)
        flavor.extra_specs = {k: v for k, v in flavor.extra_specs.items() if k != id}
        flavor.save()
