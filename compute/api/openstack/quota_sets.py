"""``/os-quota-sets/{tenant_id}``: a project's (or a user's) quotas, their defaults and
usage, changed by admins (Nova at microversion 2.1).

A new limit may not be below what is in use (unless ``force``), and a user's limit may
not pass the project's.  The network quotas of 2.1 are shown but not stored.
"""

from __future__ import annotations

from typing import Any

import webob.exc

from common.wsgi import policy, validation
from common.wsgi.resource import Controller, Request, response
from compute import objects
from compute.api.openstack import paging
from compute.api.openstack.schemas import quota_sets as schema
from compute.api.openstack.views import quota_sets as views

RULE = "os_compute_api:os-quota-sets:%s"
UNLIMITED = float("inf")


def _authorize(context: Any, name: str, project_id: str) -> None:
    policy.authorize(context, RULE % name, {"project_id": project_id})


def _bound(value: int) -> float:
    return UNLIMITED if value == -1 else value


def _check_limit(resource: str, limit: int, minimum: int, maximum: int) -> None:
    if _bound(limit) < _bound(minimum):
        raise webob.exc.HTTPBadRequest(
            detail=f"Quota limit {limit} for {resource} must be greater than or equal to "
            f"already used and reserved {minimum}."
        )
    if _bound(limit) > _bound(maximum):
        raise webob.exc.HTTPBadRequest(
            detail=f"Quota limit {limit} for {resource} must be less than or equal to {maximum}."
        )


class QuotaSetsController(Controller):
    def _limits(self, context: Any, project_id: str, user_id: str | None) -> dict[str, int]:
        quotas = objects.Quotas.get_project_quotas(context, project_id, user_id)
        return {resource: entry["limit"] for resource, entry in quotas.items()}

    def show(self, req: Request, id: str) -> dict[str, Any]:
        context = req.context
        _authorize(context, "show", id)
        return views.quota_set(id, self._limits(context, id, req.GET.get("user_id")))

    def detail(self, req: Request, id: str) -> dict[str, Any]:
        context = req.context
        _authorize(context, "detail", id)
        user_id = req.GET.get("user_id")
        quotas = objects.Quotas.get_project_quotas(context, id, user_id, usages=True)
        return views.detail(id, quotas)

    def defaults(self, req: Request, id: str) -> dict[str, Any]:
        context = req.context
        _authorize(context, "defaults", id)
        return views.quota_set(id, objects.Quotas.get_defaults(context))

    @validation.schema(schema.update)
    def update(self, req: Request, id: str, body: dict[str, Any]) -> dict[str, Any]:
        context = req.context
        _authorize(context, "update", id)
        user_id = req.GET.get("user_id")
        requested = body["quota_set"]
        force = paging.bool_from_string(requested.get("force", False))
        changes = {
            views.API_TO_RESOURCE.get(key, key): int(value)
            for key, value in requested.items()
            if key != "force" and (value or value == 0)
        }
        stored = {k: v for k, v in changes.items() if k not in views.NETWORK_DEFAULTS}
        if not force:
            self._check_settable(context, id, user_id, stored)
        for resource, limit in stored.items():
            objects.Quotas.update_limit(context, id, resource, limit, user_id=user_id)
        return views.quota_set(None, self._limits(context, id, user_id))

    @staticmethod
    def _check_settable(
        context: Any, project_id: str, user_id: str | None, changes: dict[str, int]
    ) -> None:
        """Nova's settable range: at least what is in use, at most the project's limit
        for a user's quota."""
        quotas = objects.Quotas.get_project_quotas(context, project_id, user_id, usages=True)
        project = objects.Quotas.get_project_quotas(context, project_id) if user_id else {}
        for resource, limit in changes.items():
            entry = quotas.get(resource, {"in_use": 0, "reserved": 0})
            minimum = entry.get("in_use", 0) + entry.get("reserved", 0)
            maximum = project[resource]["limit"] if user_id and resource in project else -1
            _check_limit(views.RESOURCE_TO_API.get(resource, resource), limit, minimum, maximum)

    @response(202)
    def delete(self, req: Request, id: str) -> None:
        context = req.context
        _authorize(context, "delete", id)
        user_id = req.GET.get("user_id")
        if user_id:
            objects.Quotas.destroy_all_by_project_and_user(context, id, user_id)
        else:
            objects.Quotas.destroy_all_by_project(context, id)
