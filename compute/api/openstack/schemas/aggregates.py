"""Request bodies of ``/os-aggregates`` and its actions at microversion 2.1."""

from compute.api.openstack.schemas import types

create = types.body(
    "aggregate",
    {"name": types.name, "availability_zone": types.name_or_none},
    ["name"],
)

update = types.body(
    "aggregate",
    {"name": types.name, "availability_zone": types.name_or_none},
    [],
    minProperties=1,
)

_host = {"host": {"type": "string", "minLength": 1, "maxLength": 255}}
add_host = types.body("add_host", _host, ["host"])
remove_host = types.body("remove_host", _host, ["host"])

set_metadata = types.body(
    "set_metadata",
    {"metadata": {**types.metadata(["string"], nullable=True), "minProperties": 1}},
    ["metadata"],
)
