"""The Compute API's flavor bodies at microversion 2.1."""

from __future__ import annotations

from typing import Any

from common.wsgi.resource import Request
from compute.api.openstack.views import links

COLLECTION = "flavors"


def basic(req: Request, flavor: Any) -> dict[str, Any]:
    return {
        "id": flavor.flavorid,
        "name": flavor.name,
        "links": links.item_links(req, COLLECTION, flavor.flavorid),
    }


def detail(req: Request, flavor: Any) -> dict[str, Any]:
    return {
        "id": flavor.flavorid,
        "name": flavor.name,
        "ram": flavor.memory_mb,
        "disk": flavor.root_gb,
        # Nova shows "no swap" as an empty string, not 0.
        "swap": flavor.swap or "",
        "OS-FLV-EXT-DATA:ephemeral": flavor.ephemeral_gb,
        "OS-FLV-DISABLED:disabled": flavor.disabled,
        "vcpus": flavor.vcpus,
        "os-flavor-access:is_public": flavor.is_public,
        "rxtx_factor": flavor.rxtx_factor,
        "links": links.item_links(req, COLLECTION, flavor.flavorid),
    }


def show(req: Request, flavor: Any) -> dict[str, Any]:
    return {"flavor": detail(req, flavor)}


def index(req: Request, flavors: list[Any], detailed: bool = False) -> dict[str, Any]:
    build = detail if detailed else basic
    body: dict[str, Any] = {"flavors": [build(req, f) for f in flavors]}
    collection = f"{COLLECTION}/detail" if detailed else COLLECTION
    next_links = links.collection_links(req, flavors, collection, lambda f: f.flavorid)
    if next_links:
        body["flavors_links"] = next_links
    return body


def access_list(flavor: Any) -> dict[str, Any]:
    return {
        "flavor_access": [
            {"flavor_id": flavor.flavorid, "tenant_id": project} for project in flavor.projects
        ]
    }
