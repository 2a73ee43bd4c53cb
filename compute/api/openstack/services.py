"""``/os-services``: list the services, enable or disable one, delete one (admins;
Nova at microversion 2.1).

``PUT /os-services/{enable,disable,disable-log-reason}`` name the service by host and
binary in the body; anything else after ``/os-services/`` is an unknown action (404).
Deleting a nova-compute service also removes its compute nodes and its host from the
aggregates, and is refused (409) while servers are on the host.
"""

from __future__ import annotations

import logging
from typing import Any

import webob.exc

from common import exception as common_exc
from common.wsgi import policy, validation
from common.wsgi.resource import Controller, Request, response
from compute import objects
from compute.api.openstack import availability_zone as az
from compute.api.openstack.schemas import services as schema

LOG = logging.getLogger(__name__)

RULE = "os_compute_api:os-services:%s"


def service_detail(service: Any, zone: str) -> dict[str, Any]:
    return {
        "id": service.id,
        "binary": service.binary,
        "host": service.host,
        "zone": zone,
        "status": "disabled" if service.disabled else "enabled",
        "state": "up" if service.is_up() else "down",
        "updated_at": service.updated_at,
        "disabled_reason": service.disabled_reason,
    }


class ServiceController(Controller):
    def index(self, req: Request) -> dict[str, Any]:
        context = req.context
        policy.authorize(context, RULE % "list", {})
        host = req.GET.get("host")
        binary = req.GET.get("binary")
        services = []
        for service, zone in az.services_with_zones(context):
            if host and service.host != host:
                continue
            if binary and service.binary != binary:
                continue
            services.append(service_detail(service, zone))
        return {"services": services}

    @validation.schema(schema.service_update)
    def update(self, req: Request, id: str, body: dict[str, Any]) -> dict[str, Any]:
        context = req.context
        policy.authorize(context, RULE % "update", {})
        if id == "enable":
            return self._set_status(context, body, disabled=False, reason=None)
        if id == "disable":
            return self._set_status(context, body, disabled=True, reason=None)
        if id == "disable-log-reason":
            if "disabled_reason" not in body:
                raise webob.exc.HTTPBadRequest(detail="Missing disabled reason field")
            return self._set_status(context, body, True, body["disabled_reason"])
        raise webob.exc.HTTPNotFound(detail="Unknown action")

    @staticmethod
    def _set_status(
        context: Any, body: dict[str, Any], disabled: bool, reason: str | None
    ) -> dict[str, Any]:
        host, binary = body["host"], body["binary"]
        # HostBinaryNotFound (404) when no such service.
        service = objects.Service.get_by_host_and_binary(context, host, binary)
        service.disabled = disabled
        service.disabled_reason = reason
        service.save()
        LOG.info("Service %s on %s %s", binary, host, "disabled" if disabled else "enabled")
        result = {"host": host, "binary": binary, "status": "disabled" if disabled else "enabled"}
        if reason:
            result["disabled_reason"] = reason
        return {"service": result}

    @response(204)
    def delete(self, req: Request, id: str) -> None:
        context = req.context
        policy.authorize(context, RULE % "delete", {})
        try:
            service = objects.Service.get_by_id(context, int(id))
        except (ValueError, common_exc.ServiceNotFound):
            raise webob.exc.HTTPNotFound(detail=f"Service {id} not found.") from None
        if service.binary == az.COMPUTE_BINARY:
            self._forget_compute_host(context, service.host)
        service.destroy()

    @staticmethod
    def _forget_compute_host(context: Any, host: str) -> None:
        admin = context.elevated()
        if len(objects.InstanceList.get_by_host(admin, host)):
            raise webob.exc.HTTPConflict(
                detail="Unable to delete compute service that is hosting instances. "
                "Migrate or delete the instances first."
            )
        for aggregate in objects.AggregateList.get_by_host(admin, host):
            aggregate.delete_host(host)
        for node in objects.ComputeNodeList.get_all_by_host(admin, host):
            node.destroy()
