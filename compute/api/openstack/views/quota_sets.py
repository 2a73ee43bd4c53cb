"""Quota sets as the Compute API shows them at microversion 2.1.

Novella keeps Nova's resource names internally, except that the API calls the path
length limit ``injected_file_path_bytes``.  Until microversion 2.36 Nova also shows the
network quotas (``fixed_ips``, ``floating_ips``, ``security_groups``,
``security_group_rules``); Novella has no network quotas yet, so they show Nova's
defaults and nothing in use.
"""

from __future__ import annotations

from typing import Any

from compute.api.openstack.schemas.quota_sets import QUOTA_KEYS

API_TO_RESOURCE = {"injected_file_path_bytes": "injected_file_path_length"}
RESOURCE_TO_API = {v: k for k, v in API_TO_RESOURCE.items()}
NETWORK_DEFAULTS = {
    "fixed_ips": -1,
    "floating_ips": 10,
    "security_groups": 10,
    "security_group_rules": 20,
}


def api_limits(limits: dict[str, Any]) -> dict[str, Any]:
    """Resource-name keyed values -> the 2.1 key set (network quotas added)."""
    shown = {RESOURCE_TO_API.get(k, k): v for k, v in limits.items()}
    for key, default in NETWORK_DEFAULTS.items():
        shown.setdefault(key, default)
    return {key: shown[key] for key in QUOTA_KEYS if key in shown}


def quota_set(project_id: str | None, limits: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {"id": project_id} if project_id is not None else {}
    body.update(api_limits(limits))
    return {"quota_set": body}


def detail(project_id: str, quotas: dict[str, dict[str, int]]) -> dict[str, Any]:
    """``{"quota_set": {"id", resource: {"in_use", "limit", "reserved"}}}``."""
    entries = {
        RESOURCE_TO_API.get(resource, resource): {
            "in_use": entry.get("in_use", 0),
            "limit": entry["limit"],
            "reserved": entry.get("reserved", 0),
        }
        for resource, entry in quotas.items()
    }
    for key, default in NETWORK_DEFAULTS.items():
        entries.setdefault(key, {"in_use": 0, "limit": default, "reserved": 0})
    body: dict[str, Any] = {"id": project_id}
    body.update({key: entries[key] for key in QUOTA_KEYS if key in entries})
    return {"quota_set": body}
