"""The smaller Block Storage resources: ``/limits``, ``/os-quota-sets``,
``/os-services``, ``/os-availability-zone``, ``/scheduler-stats/get_pools`` and the
messages API (3.3), with Cinder's bodies."""

from __future__ import annotations

import logging
from typing import Any

import webob.exc

from blockstorage import objects
from blockstorage.api import api_version, common, schemas, views
from blockstorage.api.volumes import authorize
from common.wsgi import validation
from common.wsgi.microversion import api_version as versioned
from common.wsgi.resource import Controller, Request, response

LOG = logging.getLogger(__name__)

MAX_INT = 2147483647
# Cinder's absolute limits: API name -> (resource, whether it is a usage).
LIMIT_NAMES = {
    "maxTotalVolumes": ("volumes", False),
    "maxTotalSnapshots": ("snapshots", False),
    "maxTotalVolumeGigabytes": ("gigabytes", False),
    "maxTotalBackups": ("backups", False),
    "maxTotalBackupGigabytes": ("backup_gigabytes", False),
    "totalVolumesUsed": ("volumes", True),
    "totalSnapshotsUsed": ("snapshots", True),
    "totalGigabytesUsed": ("gigabytes", True),
    "totalBackupsUsed": ("backups", True),
    "totalBackupGigabytesUsed": ("backup_gigabytes", True),
}


class LimitsController(Controller):
    def index(self, req: Request) -> dict[str, Any]:
        authorize(req, "limits_extension:used_limits")
        quotas = objects.Quotas.get_project_quotas(req.context, req.context.project_id, True)
        absolute = {
            name: quotas[resource]["in_use" if used else "limit"]
            for name, (resource, used) in LIMIT_NAMES.items()
        }
        return {"limits": {"rate": [], "absolute": absolute}}


class QuotaSetsController(Controller):
    def show(self, req: Request, id: str) -> dict[str, Any]:
        authorize(req, "volume_extension:quotas:show", id)
        usage = common.bool_param(req.GET.get("usage", "false"), "usage")
        quotas = objects.Quotas.get_project_quotas(req.context.elevated(), id, usage)
        return {"quota_set": {"id": id, **quotas}}

    def defaults(self, req: Request, id: str) -> dict[str, Any]:
        authorize(req, "volume_extension:quotas:show", id)
        return {"quota_set": {"id": id, **objects.Quotas.get_defaults(req.context)}}

    @validation.schema(schemas.quota_set_update)
    def update(self, req: Request, id: str, body: dict[str, Any]) -> dict[str, Any]:
        authorize(req, "volume_extension:quotas:update", id)
        ctxt = req.context.elevated()
        current = objects.Quotas.get_project_quotas(ctxt, id, True)
        requested = {k: v for k, v in body["quota_set"].items() if k not in ("id", "tenant_id")}
        bad = sorted(k for k in requested if k not in current)
        if bad:
            raise webob.exc.HTTPBadRequest(detail=f"Bad key(s) in quota set: {','.join(bad)}")
        limits: dict[str, int] = {}
        for key, value in requested.items():
            limit = common.int_param(value, key)
            if limit < -1 or limit > MAX_INT:
                raise webob.exc.HTTPBadRequest(
                    detail=f"Invalid input received: Quota value {limit} for {key} must be "
                    f"between -1 and {MAX_INT}."
                )
            in_use = current[key]["in_use"] + current[key]["reserved"]
            if key != "per_volume_gigabytes" and limit != -1 and limit < in_use:
                raise webob.exc.HTTPBadRequest(
                    detail=f"Quota {key} limit must be equal or greater than existing "
                    f"resources. Current usage is {in_use} and the requested limit is {limit}."
                )
            limits[key] = limit
        for key, limit in limits.items():
            objects.Quotas.update_limit(ctxt, id, key, limit)
        return {"quota_set": objects.Quotas.get_project_quotas(ctxt, id)}

    def delete(self, req: Request, id: str) -> None:
        authorize(req, "volume_extension:quotas:delete", id)
        objects.Quotas.destroy_all_by_project(req.context.elevated(), id)


class ServicesController(Controller):
    def index(self, req: Request) -> dict[str, Any]:
        authorize(req, "volume_extension:services:index")
        host, binary = req.GET.get("host"), req.GET.get("binary")
        with_cluster = api_version.at_least(req, api_version.CLUSTER_SUPPORT)
        result = []
        for svc in objects.ServiceList.get_all(req.context.elevated()):
            if (host and svc.host != host) or (binary and svc.binary != binary):
                continue
            entry: dict[str, Any] = {
                "binary": svc.binary,
                "host": svc.host,
                "zone": svc.availability_zone,
                "status": "disabled" if svc.disabled else "enabled",
                "state": "up" if svc.is_up() else "down",
                "updated_at": common.iso(svc.updated_at),
                "disabled_reason": svc.disabled_reason,
            }
            if svc.binary == "cinder-volume":
                entry["replication_status"] = svc.replication_status
                entry["active_backend_id"] = svc.active_backend_id
                entry["frozen"] = svc.frozen
            if with_cluster:
                entry["cluster"] = svc.cluster_name
            result.append(entry)
        return {"services": result}

    @validation.schema(schemas.service_update)
    def update(self, req: Request, id: str, body: dict[str, Any]) -> dict[str, Any]:
        authorize(req, "volume_extension:services:update")
        if id not in ("enable", "disable", "disable-log-reason"):
            raise webob.exc.HTTPNotFound(detail="Unknown action")
        host = body.get("host")
        binary = body.get("binary") or body.get("service")
        if not host or not binary:
            raise webob.exc.HTTPBadRequest(detail="Missing required element 'host' or 'binary'")
        reason = None
        if id == "disable-log-reason":
            reason = body.get("disabled_reason")
            if not reason:
                raise webob.exc.HTTPBadRequest(detail="Disabled reason contains invalid "
                                               "characters or is too long")  # fmt: skip
        disabled = id != "enable"
        svc = objects.Service.get_by_host_and_binary(req.context.elevated(), host, binary)
        svc.disabled = disabled
        svc.disabled_reason = reason
        svc.save()
        LOG.info("Service %s on %s %s", binary, host, "disabled" if disabled else "enabled")
        result = {
            "host": host,
            "service": body.get("service", ""),
            "binary": binary,
            "status": "disabled" if disabled else "enabled",
            "disabled": disabled,
        }
        if reason:
            result["disabled_reason"] = reason
        return result


class AvailabilityZoneController(Controller):
    def index(self, req: Request) -> dict[str, Any]:
        authorize(req, "volume_extension:availability_zone_list")
        zones = common.volume_api().list_availability_zones(req.context)
        return {
            "availabilityZoneInfo": [
                {"zoneName": z["name"], "zoneState": {"available": z["available"]}} for z in zones
            ]
        }


class SchedulerStatsController(Controller):
    def get_pools(self, req: Request) -> dict[str, Any]:
        authorize(req, "scheduler_extension:scheduler_stats:get_pools")
        detail = common.bool_param(req.GET.get("detail", "false"), "detail")
        filters = {k: v for k, v in req.GET.items() if k != "detail"}
        pools = common.volume_api().scheduler_rpcapi.get_pools(req.context, filters=filters)
        if detail:
            return {"pools": pools}
        return {"pools": [{"name": p["name"]} for p in pools]}


class MessagesController(Controller):
    @versioned(api_version.MESSAGES)
    def index(self, req: Request) -> dict[str, Any]:
        authorize(req, "message:get_all")
        from blockstorage.db import api as db

        rows = db.message_get_all(req.context)
        return {"messages": [views.message(req, row) for row in rows]}

    @versioned(api_version.MESSAGES)
    def show(self, req: Request, id: str) -> dict[str, Any]:
        from blockstorage.db import api as db

        row = db.message_get(req.context, id)
        authorize(req, "message:get", row.project_id)
        return {"message": views.message(req, row)}

    @versioned(api_version.MESSAGES)
    @response(204)
    def delete(self, req: Request, id: str) -> None:
        from blockstorage.db import api as db

        row = db.message_get(req.context, id)
        authorize(req, "message:delete", row.project_id)
        db.message_destroy(req.context, id)


ROUTES = [
    ("/limits", {"GET": (LimitsController, "index")}),
    ("/os-quota-sets/{id}/defaults", {"GET": (QuotaSetsController, "defaults")}),
    (
        "/os-quota-sets/{id}",
        {
            "GET": (QuotaSetsController, "show"),
            "PUT": (QuotaSetsController, "update"),
            "DELETE": (QuotaSetsController, "delete"),
        },
    ),
    ("/os-services", {"GET": (ServicesController, "index")}),
    ("/os-services/{id}", {"PUT": (ServicesController, "update")}),
    ("/os-availability-zone", {"GET": (AvailabilityZoneController, "index")}),
    ("/scheduler-stats/get_pools", {"GET": (SchedulerStatsController, "get_pools")}),
    ("/messages", {"GET": (MessagesController, "index")}),
    (
        "/messages/{id}",
        {"GET": (MessagesController, "show"), "DELETE": (MessagesController, "delete")},
    ),
]
