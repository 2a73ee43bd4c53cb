"""``GET /limits``: the project's absolute limits and what it uses of them."""

from __future__ import annotations

from typing import Any

from common.wsgi import policy
from common.wsgi.resource import Controller, Request
from compute import objects
from compute.api.openstack.views import limits as views


class LimitsController(Controller):
    def index(self, req: Request) -> dict[str, Any]:
        context = req.context
        policy.authorize(context, "os_compute_api:limits")
        project_id = req.params.get("tenant_id", context.project_id)
        if project_id != context.project_id:
            policy.authorize(
                context, "os_compute_api:limits:other_project", {"project_id": project_id}
            )
        quotas = objects.Quotas.get_project_quotas(context, project_id, usages=True)
        return views.build(quotas)
