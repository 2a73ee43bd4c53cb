"""``/os-availability-zone`` (and ``/detail`` for admins): the zones services are in.

A compute host is in the zone named by the ``availability_zone`` metadata of its
aggregates, else in ``default_availability_zone``; every other service is in
``internal_service_availability_zone``, which the plain list leaves out.  A zone is
available when an enabled service is in it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from common.config import CONF
from common.wsgi import policy
from common.wsgi.resource import Controller, Request
from compute import objects

COMPUTE_BINARY = "nova-compute"
AZ_KEY = "availability_zone"
# API services are not "in" a zone: Nova leaves them out of these lists.
API_BINARIES = ("nova-osapi_compute", "nova-metadata", "nova-api")


def host_zones(context: Any) -> dict[str, str]:
    """host -> zone, for the hosts that are in an aggregate with a zone."""
    zones: dict[str, set[str]] = {}
    for aggregate in objects.AggregateList.get_by_metadata_key(context.elevated(), AZ_KEY):
        for host in aggregate.hosts:
            zones.setdefault(host, set()).add(aggregate.metadata[AZ_KEY])
    return {host: ",".join(sorted(names)) for host, names in zones.items()}


def service_zone(service: Any, zones: dict[str, str]) -> str:
    if service.binary == COMPUTE_BINARY:
        return zones.get(service.host, CONF.default_availability_zone)
    return CONF.internal_service_availability_zone


def services_with_zones(context: Any) -> list[tuple[Any, str]]:
    """Every service (API services excluded) with its zone."""
    zones = host_zones(context)
    return [
        (service, service_zone(service, zones))
        for service in objects.ServiceList.get_all(context.elevated())
        if service.binary not in API_BINARIES
    ]


def split_zones(pairs: Iterable[tuple[Any, str]]) -> tuple[list[str], list[str]]:
    """(zones with an enabled service, zones with only disabled ones), sorted."""
    available = {zone for service, zone in pairs if not service.disabled}
    every = {zone for _service, zone in pairs}
    return sorted(available), sorted(every - available)


def _zone(name: str, available: bool, hosts: Any = None) -> dict[str, Any]:
    return {"zoneName": name, "zoneState": {"available": available}, "hosts": hosts}


class AvailabilityZoneController(Controller):
    def index(self, req: Request) -> dict[str, Any]:
        context = req.context
        policy.authorize(context, "os_compute_api:os-availability-zone:list", {})
        available, unavailable = split_zones(services_with_zones(context))
        internal = CONF.internal_service_availability_zone
        info = [_zone(z, True) for z in available if z != internal]
        info += [_zone(z, False) for z in unavailable if z != internal]
        return {"availabilityZoneInfo": info}

    def detail(self, req: Request) -> dict[str, Any]:
        context = req.context
        policy.authorize(context, "os_compute_api:os-availability-zone:detail", {})
        pairs = services_with_zones(context)
        available, unavailable = split_zones(pairs)
        hosts: dict[str, dict[str, dict[str, Any]]] = {}
        for service, zone in pairs:
            if service.disabled:
                continue
            hosts.setdefault(zone, {}).setdefault(service.host, {})[service.binary] = {
                "available": service.is_up(),
                "active": not service.disabled,
                "updated_at": service.updated_at,
            }
        info = [_zone(z, True, hosts.get(z, {})) for z in available]
        info += [_zone(z, False) for z in unavailable]
        return {"availabilityZoneInfo": info}
