"""Request body of ``POST /os-keypairs`` at microversion 2.1 (create or import)."""

from compute.api.openstack.schemas import types

create = types.body(
    "keypair",
    {"name": types.name, "public_key": {"type": "string"}},
    ["name"],
)
