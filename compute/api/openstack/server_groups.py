"""``/os-server-groups``: a project's server groups (affinity / anti-affinity), as Nova
serves them at microversion 2.1.

Another project's group is 404.  Members are the group's servers that still exist.
``all_projects`` lists every project's groups for admins and is ignored for others.
"""

from __future__ import annotations

from typing import Any

import webob.exc

from common import exception as common_exc
from common.wsgi import policy, validation
from common.wsgi.resource import Controller, Request, response
from compute import exception, objects
from compute.api.openstack import paging
from compute.api.openstack.schemas import server_groups as schema
from compute.api.openstack.views import server_groups as views

RULE = "os_compute_api:os-server-groups:%s"


def _authorize(context: Any, name: str, project_id: str | None = None) -> None:
    target = {"project_id": project_id or context.project_id, "user_id": context.user_id}
    policy.authorize(context, RULE % name, target)


def live_members(context: Any, groups: list[Any]) -> dict[str, list[str]]:
    """group uuid -> the members that are servers not deleted, in the group's order."""
    wanted = sorted({m for g in groups for m in g.members})
    alive: set[str] = set()
    if wanted:
        servers = objects.InstanceList.get_by_filters(
            context.elevated(), {"uuid": wanted, "deleted": False}, expected_attrs=[]
        )
        alive = {server.uuid for server in servers}
    return {g.uuid: [m for m in g.members if m in alive] for g in groups}


class ServerGroupController(Controller):
    @validation.schema(schema.create)
    def create(self, req: Request, body: dict[str, Any]) -> dict[str, Any]:
        context = req.context
        _authorize(context, "create")
        spec = body["server_group"]
        try:
            objects.Quotas.check_deltas(
                context, {"server_groups": 1}, context.project_id, context.user_id
            )
        except exception.OverQuota:
            raise webob.exc.HTTPForbidden(
                detail="Quota exceeded, too many server groups."
            ) from None
        group = objects.InstanceGroup(
            context=context,
            name=spec["name"],
            user_id=context.user_id,
            project_id=context.project_id,
            policy=spec["policies"][0],
        )
        group.create()
        return views.show(group, [])

    def index(self, req: Request) -> dict[str, Any]:
        context = req.context
        _authorize(context, "index")
        every_project = False
        if "all_projects" in req.GET:
            try:
                _authorize(context, "index:all_projects")
                every_project = True
            except common_exc.PolicyNotAuthorized:
                every_project = False
        if every_project:
            groups = list(objects.InstanceGroupList.get_all(context))
        else:
            groups = list(objects.InstanceGroupList.get_by_project_id(context, context.project_id))
        page = paging.limited(groups, req)
        members = live_members(context, page)
        return {"server_groups": [views.server_group(g, members[g.uuid]) for g in page]}

    def show(self, req: Request, id: str) -> dict[str, Any]:
        context = req.context
        group = objects.InstanceGroup.get_by_uuid(context, id)  # other project -> 404
        _authorize(context, "show", group.project_id)
        return views.show(group, live_members(context, [group])[group.uuid])

    @response(204)
    def delete(self, req: Request, id: str) -> None:
        context = req.context
        group = objects.InstanceGroup.get_by_uuid(context, id)
        _authorize(context, "delete", group.project_id)
        group.destroy()
