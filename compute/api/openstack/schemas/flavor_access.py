"""Request bodies of the flavor access actions (``POST /flavors/{id}/action``)."""

from compute.api.openstack.schemas import types

_tenant = {"tenant": {"type": "string", "minLength": 1, "maxLength": 255}}

add_tenant_access = types.body("addTenantAccess", _tenant, ["tenant"])
remove_tenant_access = types.body("removeTenantAccess", _tenant, ["tenant"])
