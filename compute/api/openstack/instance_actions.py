"""``/servers/{server_id}/os-instance-actions[/{request_id}]``: what was done to a server.

Every action the compute API accepts is recorded with the request id; the steps the
services ran (events) are shown to admins only, tracebacks included, as in Nova v2.1.
"""

from __future__ import annotations

from typing import Any

import webob.exc

from common.wsgi import policy
from common.wsgi.resource import Controller, Request
from compute import exception
from compute.api.openstack.server_actions import authorize, compute_api, get_instance
from compute.api.openstack.views.servers import usage_time

RULE = "os_compute_api:os-instance-actions:%s"
ACTION_KEYS = ("action", "instance_uuid", "request_id", "user_id", "project_id", "message")


def _format_action(action: Any) -> dict[str, Any]:
    view = {key: getattr(action, key) for key in ACTION_KEYS}
    view["start_time"] = usage_time(action.start_time)
    return view


def _format_event(event: Any, with_traceback: bool) -> dict[str, Any]:
    view = {
        "event": event.event,
        "start_time": usage_time(event.start_time),
        "finish_time": usage_time(event.finish_time),
        "result": event.result,
    }
    if with_traceback:
        view["traceback"] = event.traceback
    return view


class InstanceActionsController(Controller):
    def index(self, req: Request, server_id: str) -> dict[str, Any]:
        instance = get_instance(req, server_id, expected_attrs=[])
        authorize(req, RULE % "list", instance)
        actions = compute_api().get_actions(req.context, instance)
        return {"instanceActions": [_format_action(a) for a in actions]}

    def show(self, req: Request, server_id: str, id: str) -> dict[str, Any]:
        instance = get_instance(req, server_id, expected_attrs=[])
        authorize(req, RULE % "show", instance)
        try:
            action = compute_api().get_action(req.context, instance, id)
        except exception.InstanceActionNotFound:
            raise webob.exc.HTTPNotFound(detail=f"Action {id} not found") from None
        view = _format_action(action)
        target = {"project_id": instance.project_id, "user_id": instance.user_id}
        try:
            policy.authorize(req.context, RULE % "events", target)
        except exception.Forbidden:
            return {"instanceAction": view}
        events = compute_api().get_action_events(req.context, action)
        view["events"] = [_format_event(e, with_traceback=True) for e in events]
        return {"instanceAction": view}


ROUTES = [
    ("/servers/{server_id}/os-instance-actions", {"GET": (InstanceActionsController, "index")}),
    (
        "/servers/{server_id}/os-instance-actions/{id}",
        {"GET": (InstanceActionsController, "show")},
    ),
]
