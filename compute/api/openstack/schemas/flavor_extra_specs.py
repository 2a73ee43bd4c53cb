"""Request bodies of ``/flavors/{flavor_id}/os-extra_specs`` at microversion 2.1."""

from compute.api.openstack.schemas import types

_specs = types.metadata(["string", "number", "boolean"])

create = {
    "type": "object",
    "properties": {"extra_specs": _specs},
    "required": ["extra_specs"],
    "additionalProperties": False,
}

# PUT .../os-extra_specs/{key} carries exactly that one key.
update = {**_specs, "minProperties": 1, "maxProperties": 1}
