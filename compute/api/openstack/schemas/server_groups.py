"""Request body of ``POST /os-server-groups`` at microversion 2.1: one policy, in a
list, affinity or anti-affinity (the soft ones arrive with 2.15)."""

from compute.api.openstack.schemas import types

create = types.body(
    "server_group",
    {
        "name": types.name,
        "policies": {
            "type": "array",
            "items": [{"type": "string", "enum": ["anti-affinity", "affinity"]}],
            "uniqueItems": True,
            "minItems": 1,
            "maxItems": 1,
            "additionalItems": False,
        },
    },
    ["name", "policies"],
)
