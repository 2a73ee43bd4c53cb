"""Request body of ``PUT /os-quota-sets/{tenant_id}`` at microversion 2.1."""

from compute.api.openstack.schemas import types

# The keys a 2.1 quota set shows and takes (network ones until 2.36, as Nova).
QUOTA_KEYS = (
    "instances",
    "cores",
    "ram",
    "floating_ips",
    "fixed_ips",
    "metadata_items",
    "injected_files",
    "injected_file_content_bytes",
    "injected_file_path_bytes",
    "key_pairs",
    "security_groups",
    "security_group_rules",
    "server_groups",
    "server_group_members",
)

update = types.body(
    "quota_set",
    {
        **{key: types.non_negative_integer_with_minus_one for key in QUOTA_KEYS},
        "force": types.boolean,
    },
    [],
)
