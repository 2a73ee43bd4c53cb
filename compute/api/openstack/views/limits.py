"""``GET /limits`` at microversion 2.1: absolute limits and usage, no rate limits."""

from __future__ import annotations

from typing import Any

from compute.api.openstack.views.quota_sets import API_TO_RESOURCE, NETWORK_DEFAULTS

# quota resource -> the absolute limit names that show it
LIMIT_NAMES = {
    "ram": ("maxTotalRAMSize",),
    "instances": ("maxTotalInstances",),
    "cores": ("maxTotalCores",),
    "key_pairs": ("maxTotalKeypairs",),
    "floating_ips": ("maxTotalFloatingIps",),
    "metadata_items": ("maxServerMeta", "maxImageMeta"),
    "injected_files": ("maxPersonality",),
    "injected_file_content_bytes": ("maxPersonalitySize",),
    "security_groups": ("maxSecurityGroups",),
    "security_group_rules": ("maxSecurityGroupRules",),
    "server_groups": ("maxServerGroups",),
    "server_group_members": ("maxServerGroupMembers",),
}
USED_NAMES = {
    "totalRAMUsed": "ram",
    "totalCoresUsed": "cores",
    "totalInstancesUsed": "instances",
    "totalFloatingIpsUsed": "floating_ips",
    "totalSecurityGroupsUsed": "security_groups",
    "totalServerGroupsUsed": "server_groups",
}


def build(quotas: dict[str, dict[str, int]]) -> dict[str, Any]:
    """``quotas``: ``{resource: {"limit", "in_use"}}`` as ``Quotas.get_project_quotas``."""
    entries = {API_TO_RESOURCE.get(k, k): v for k, v in quotas.items()}
    for resource, default in NETWORK_DEFAULTS.items():
        entries.setdefault(resource, {"limit": default, "in_use": 0})
    absolute: dict[str, int] = {}
    for resource, names in LIMIT_NAMES.items():
        if resource in entries:
            for name in names:
                absolute[name] = entries[resource]["limit"]
    for name, resource in USED_NAMES.items():
        if resource in entries:
            absolute[name] = entries[resource].get("in_use", 0)
    return {"limits": {"rate": [], "absolute": absolute}}
