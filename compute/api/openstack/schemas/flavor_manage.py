"""Request body of ``POST /flavors`` (flavor-manage) at microversion 2.1."""

from compute.api.openstack.schemas import types

create = types.body(
    "flavor",
    {
        "name": types.name,
        # A flavor id given by the operator: digits, letters, '.', '_', '-', spaces inside.
        "id": {
            "type": ["string", "number", "null"],
            "minLength": 1,
            "maxLength": 255,
            "pattern": r"^(?! )[a-zA-Z0-9. _-]+(?<! )$",
        },
        "ram": types.positive_integer,
        "vcpus": types.positive_integer,
        "disk": types.non_negative_integer,
        "OS-FLV-EXT-DATA:ephemeral": types.non_negative_integer,
        "swap": types.non_negative_integer,
        "rxtx_factor": {
            "type": ["number", "string"],
            "pattern": r"^[0-9]+(\.[0-9]+)?$",
            "minimum": 0,
            "exclusiveMinimum": True,
            "maximum": types.SQL_SP_FLOAT_MAX,
        },
        "os-flavor-access:is_public": types.boolean,
    },
    ["name", "ram", "vcpus", "disk"],
)
