"""``/os-hypervisors``: the compute nodes, their use and their servers (admins; Nova at
microversion 2.1, where a hypervisor's id is the compute node's integer id).

A node is shown with the state and status of its host's nova-compute service; nodes
whose service is gone are left out.  Statistics add up the nodes of enabled services.
"""

from __future__ import annotations

from typing import Any

import webob.exc

from common.wsgi import policy
from common.wsgi.resource import Controller, Request
from compute import exception, objects
from compute.api.openstack.availability_zone import COMPUTE_BINARY
from compute.api.openstack.views import hypervisors as views

RULE = "os_compute_api:os-hypervisors:%s"


def _authorize(context: Any, name: str) -> None:
    policy.authorize(context, RULE % name, {})


def _with_services(context: Any, nodes: list[Any]) -> list[tuple[Any, Any]]:
    services = {
        s.host: s for s in objects.ServiceList.get_by_binary(context.elevated(), COMPUTE_BINARY)
    }
    return [(node, services[node.host]) for node in nodes if node.host in services]


def _matching(context: Any, pattern: str) -> list[tuple[Any, Any]]:
    found = _with_services(
        context, list(objects.ComputeNodeList.get_by_hypervisor(context, pattern))
    )
    if not found:
        raise webob.exc.HTTPNotFound(detail=f"No hypervisor matching '{pattern}' could be found.")
    return found


class HypervisorsController(Controller):
    def _list(self, req: Request, detail: bool) -> list[dict[str, Any]]:
        nodes = list(objects.ComputeNodeList.get_all(req.context))
        return [views.hypervisor(n, s, detail) for n, s in _with_services(req.context, nodes)]

    def index(self, req: Request) -> dict[str, Any]:
        _authorize(req.context, "list")
        return {"hypervisors": self._list(req, detail=False)}

    def detail(self, req: Request) -> dict[str, Any]:
        _authorize(req.context, "list-detail")
        return {"hypervisors": self._list(req, detail=True)}

    def show(self, req: Request, id: str) -> dict[str, Any]:
        context = req.context
        _authorize(context, "show")
        not_found = webob.exc.HTTPNotFound(detail=f"Hypervisor with ID '{id}' could not be found.")
        try:
            node = objects.ComputeNode.get_by_id(context, int(id))
        except (ValueError, exception.ComputeHostNotFound, exception.ComputeNodeNotFound):
            raise not_found from None
        found = _with_services(context, [node])
        if not found:
            raise not_found
        return {"hypervisor": views.hypervisor(node, found[0][1], detail=True)}

    def statistics(self, req: Request) -> dict[str, Any]:
        context = req.context
        _authorize(context, "statistics")
        nodes = list(objects.ComputeNodeList.get_all(context))
        enabled = [n for n, s in _with_services(context, nodes) if not s.disabled]
        return views.statistics(enabled)

    def search(self, req: Request, id: str) -> dict[str, Any]:
        context = req.context
        _authorize(context, "search")
        return {"hypervisors": [views.hypervisor(n, s) for n, s in _matching(context, id)]}

    def servers(self, req: Request, id: str) -> dict[str, Any]:
        context = req.context
        _authorize(context, "servers")
        result = []
        for node, service in _matching(context, id):
            servers = objects.InstanceList.get_by_host_and_node(
                context.elevated(), node.host, node.hypervisor_hostname, expected_attrs=[]
            )
            result.append(views.hypervisor(node, service, servers=list(servers)))
        return {"hypervisors": result}
