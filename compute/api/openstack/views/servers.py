"""How a server looks in Compute API v2.1 bodies (Nova's ``views/servers.py``).

``basic`` is an entry of ``GET /servers``; ``show`` is ``GET /servers/{id}`` and an entry
of ``/servers/detail``, with the extension attributes v2.1 always carries
(``OS-EXT-STS:*``, ``OS-EXT-AZ:*``, ``OS-SRV-USG:*``, ``OS-DCF:diskConfig``...) and the
admin-only ``OS-EXT-SRV-ATTR:*``.  Times are Nova's: ``created``/``updated`` as
``2024-05-01T12:00:00Z``, the usage times as naive ISO with microseconds.
"""

from __future__ import annotations

import datetime
import hashlib
from typing import Any

from common.config import CONF
from common.wsgi import policy
from common.wsgi.resource import Request
from compute.api.openstack.views import links
from compute.states import status_from_state

# Statuses whose entries carry "progress", and those that show the server's fault.
PROGRESS_STATUSES = ("ACTIVE", "BUILD", "REBUILD", "RESIZE", "VERIFY_RESIZE", "MIGRATING")
FAULT_STATUSES = ("ERROR", "DELETED")

EXTENDED_ATTRIBUTES_RULE = "os_compute_api:os-extended-server-attributes"


def isotime(value: datetime.datetime | None) -> str | None:
    """``2024-05-01T12:00:00Z``: how Nova writes created / updated / fault times."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(datetime.UTC).replace(tzinfo=None)
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def usage_time(value: datetime.datetime | None) -> str | None:
    """``2024-05-01T12:00:00.000000``: OS-SRV-USG and instance-action times."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(datetime.UTC).replace(tzinfo=None)
    return value.strftime("%Y-%m-%dT%H:%M:%S.%f")


def host_id(instance: Any) -> str:
    """Same value for the project's servers on one host; reveals nothing else."""
    if not instance.host:
        return ""
    return hashlib.sha224(f"{instance.project_id}{instance.host}".encode()).hexdigest()


def _default_zone() -> str:
    return CONF.default_availability_zone


def availability_zone(instance: Any) -> str:
    """The zone the server is in: its own, the default once placed, else empty."""
    if instance.availability_zone:
        return instance.availability_zone
    return _default_zone() if instance.host else ""


def _can(req: Request, rule: str) -> bool:
    try:
        policy.authorize(req.context, rule)
    except Exception:  # noqa: BLE001  (refused: PolicyNotAuthorized)
        return False
    return True


def _attr(instance: Any, name: str, default: Any = None) -> Any:
    """A field that may not be loaded (e.g. ``fault`` on a freshly created server)."""
    if not instance.obj_attr_is_set(name):
        return default
    return getattr(instance, name)


def image_view(req: Request, instance: Any) -> dict[str, Any] | str:
    if not instance.image_ref:
        return ""
    return {
        "id": instance.image_ref,
        "links": [{"rel": "bookmark", "href": links.bookmark(req, "images", instance.image_ref)}],
    }


def flavor_view(req: Request, instance: Any) -> dict[str, Any]:
    flavor = _attr(instance, "flavor")
    flavor_id = flavor.flavorid if flavor is not None else ""
    return {
        "id": flavor_id,
        "links": [{"rel": "bookmark", "href": links.bookmark(req, "flavors", flavor_id)}],
    }


def fault_view(req: Request, instance: Any) -> dict[str, Any] | None:
    fault = _attr(instance, "fault")
    if fault is None:
        return None
    view = {
        "code": fault.code,
        "created": isotime(fault.created_at),
        "message": fault.message,
    }
    is_admin = bool(req.context and req.context.is_admin)
    if fault.details and (is_admin or fault.code != 500):
        view["details"] = fault.details
    return view


def basic(req: Request, instance: Any) -> dict[str, Any]:
    return {
        "id": instance.uuid,
        "name": instance.display_name,
        "links": links.item_links(req, "servers", instance.uuid),
    }


def show(req: Request, instance: Any, extended: bool | None = None) -> dict[str, Any]:
    """The full view; ``extended`` (admin attributes) is decided by policy when None."""
    status = status_from_state(instance.vm_state, instance.task_state)
    server: dict[str, Any] = {
        "id": instance.uuid,
        "name": instance.display_name,
        "status": status,
        "tenant_id": instance.project_id,
        "user_id": instance.user_id,
        "metadata": dict(_attr(instance, "metadata", {}) or {}),
        "hostId": host_id(instance),
        "image": image_view(req, instance),
        "flavor": flavor_view(req, instance),
        "created": isotime(instance.created_at),
        "updated": isotime(instance.updated_at or instance.created_at),
        "addresses": {},
        "accessIPv4": instance.access_ip_v4 or "",
        "accessIPv6": instance.access_ip_v6 or "",
        "links": links.item_links(req, "servers", instance.uuid),
        "OS-DCF:diskConfig": "MANUAL",
        "key_name": instance.key_name,
        "config_drive": instance.config_drive or "",
        "OS-EXT-AZ:availability_zone": availability_zone(instance),
        "OS-EXT-STS:vm_state": instance.vm_state,
        "OS-EXT-STS:task_state": instance.task_state,
        "OS-EXT-STS:power_state": instance.power_state,
        "OS-SRV-USG:launched_at": usage_time(instance.launched_at),
        "OS-SRV-USG:terminated_at": usage_time(instance.terminated_at),
        "os-extended-volumes:volumes_attached": [],
        "security_groups": [{"name": "default"}],
    }
    if status in PROGRESS_STATUSES:
        server["progress"] = instance.progress or 0
    if status in FAULT_STATUSES:
        fault = fault_view(req, instance)
        if fault is not None:
            server["fault"] = fault
    if extended is None:
        extended = _can(req, EXTENDED_ATTRIBUTES_RULE)
    if extended:
        server["OS-EXT-SRV-ATTR:host"] = instance.host
        server["OS-EXT-SRV-ATTR:hypervisor_hostname"] = instance.node
        server["OS-EXT-SRV-ATTR:instance_name"] = instance.name if instance.id else ""
    return server


def index(req: Request, instances: list[Any]) -> dict[str, Any]:
    return _collection(req, [basic(req, i) for i in instances], instances, "servers")


def detail(req: Request, instances: list[Any]) -> dict[str, Any]:
    extended = _can(req, EXTENDED_ATTRIBUTES_RULE)
    views = [show(req, i, extended) for i in instances]
    return _collection(req, views, instances, "servers/detail")


def _collection(
    req: Request, views: list[dict[str, Any]], instances: list[Any], collection: str
) -> dict[str, Any]:
    result: dict[str, Any] = {"servers": views}
    next_links = links.collection_links(req, instances, collection, lambda i: i.uuid)
    if next_links:
        result["servers_links"] = next_links
    return result


def create_response(req: Request, instance: Any, admin_password: str | None) -> dict[str, Any]:
    """The 202 body of POST /servers: just enough to find the new server."""
    server: dict[str, Any] = {
        "id": instance.uuid,
        "links": links.item_links(req, "servers", instance.uuid),
        "OS-DCF:diskConfig": "MANUAL",
        "security_groups": [{"name": "default"}],
    }
    if admin_password is not None and CONF.api.enable_instance_password:
        server["adminPass"] = admin_password
    return {"server": server}
