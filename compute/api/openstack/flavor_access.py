"""Who may use a private flavor: ``GET /flavors/{id}/os-flavor-access`` and the
``addTenantAccess`` / ``removeTenantAccess`` actions (admins only)."""

from __future__ import annotations

from typing import Any

import webob.exc

from common.wsgi import policy, validation
from common.wsgi.resource import Controller, Request, action
from compute.api.openstack.flavors import get_flavor
from compute.api.openstack.schemas import flavor_access as schema
from compute.api.openstack.views import flavors as views

RULE = "os_compute_api:os-flavor-access"


class FlavorAccessController(Controller):
    def index(self, req: Request, flavor_id: str) -> dict[str, Any]:
        context = req.context
        policy.authorize(context, RULE)
        flavor = get_flavor(context, flavor_id)
        if flavor.is_public:
            raise webob.exc.HTTPNotFound(detail="Access list not available for public flavors.")
        return views.access_list(flavor)


class FlavorActionController(Controller):
    """``POST /flavors/{id}/action``."""

    @action("addTenantAccess")
    @validation.schema(schema.add_tenant_access)
    def _add_tenant_access(self, req: Request, id: str, body: dict[str, Any]) -> dict[str, Any]:
        context = req.context
        policy.authorize(context, f"{RULE}:add_tenant_access", {})
        flavor = get_flavor(context, id)
        if flavor.is_public:
            raise webob.exc.HTTPConflict(detail="Can not add access to a public flavor.")
        flavor.add_access(body["addTenantAccess"]["tenant"])  # FlavorAccessExists -> 409
        return views.access_list(flavor)

    @action("removeTenantAccess")
    @validation.schema(schema.remove_tenant_access)
    def _remove_tenant_access(self, req: Request, id: str, body: dict[str, Any]) -> dict[str, Any]:
        context = req.context
        policy.authorize(context, f"{RULE}:remove_tenant_access", {})
        flavor = get_flavor(context, id)
        flavor.remove_access(body["removeTenantAccess"]["tenant"])  # not there -> 404
        return views.access_list(flavor)
