"""``/servers``: list, detail, show, create, update and delete (Compute API v2.1).

Lists take Nova's query: the filters a project member may use (``name`` as a regular
expression, ``status``, ``image``, ``flavor``, ``changes-since``, ``reservation_id``;
admins may filter on anything, e.g. ``host``), ``all_tenants`` (admins only), sorting by
``sort_key``/``sort_dir`` and pages by ``limit``/``marker`` with a ``next`` link.
"""

from __future__ import annotations

import base64
import binascii
import logging
from typing import Any

import webob.exc

from common import exception as common_exc
from common.wsgi import validation
from common.wsgi.resource import Controller, Request, ResponseObject, response
from compute import exception, orchestration
from compute.api.openstack import paging
from compute.api.openstack.schemas import servers as schemas
from compute.api.openstack.server_actions import (
    SERVERS,
    ServerActionsMixin,
    _access_ip_updates,
    authorize,
    compute_api,
    get_instance,
    image_errors,
    refusals,
)
from compute.api.openstack.views import links
from compute.api.openstack.views import servers as views
from compute.image import api as image_api
from compute.states import task_and_vm_state_from_status

LOG = logging.getLogger(__name__)

# What a project member may filter on; anything else is silently ignored for them.
USER_FILTERS = (
    "reservation_id",
    "name",
    "status",
    "image",
    "flavor",
    "ip",
    "changes-since",
    "all_tenants",
)
# Query parameters that are not filters.
PAGING_PARAMS = ("limit", "marker", "sort_key", "sort_dir", "all_tenants", "status")
# Filters the database does not know (yet): no networks, so no addresses to match.
UNSUPPORTED_FILTERS = ("ip", "ip6")

SORT_KEYS = (
    "access_ip_v4", "access_ip_v6", "auto_disk_config", "availability_zone",
    "config_drive", "created_at", "display_description", "display_name", "host",
    "hostname", "image_ref", "instance_type_id", "kernel_id", "key_name", "launch_index",
    "launched_at", "locked_by", "node", "power_state", "progress", "project_id",
    "ramdisk_id", "root_device_name", "task_state", "terminated_at", "updated_at",
    "user_id", "uuid", "vm_state",
)  # fmt: skip
ADMIN_SORT_KEYS = ("host", "node")


def _bad_query(name: str, value: Any, reason: str) -> webob.exc.HTTPBadRequest:
    return webob.exc.HTTPBadRequest(
        detail=f"Invalid input for query parameters {name}. Value: {value}. {reason}"
    )


def _is_all_tenants(req: Request) -> bool:
    if "all_tenants" not in req.GET:
        return False
    value = req.GET["all_tenants"]
    if value == "":
        return True
    try:
        return paging.bool_from_string(value, strict=True)
    except ValueError as error:
        raise webob.exc.HTTPBadRequest(detail=f"Invalid input received: {error}") from None


def _sort_params(req: Request) -> tuple[list[str], list[str]]:
    keys = req.GET.getall("sort_key")
    dirs = req.GET.getall("sort_dir")
    for key in keys:
        if key not in SORT_KEYS:
            raise _bad_query("sort_key", key, f"'{key}' is not one of {list(SORT_KEYS)}")
        if key in ADMIN_SORT_KEYS and not req.context.is_admin:
            raise webob.exc.HTTPForbidden(detail=f"Only administrators can sort servers by {key}")
    for direction in dirs:
        if direction not in ("asc", "desc"):
            raise _bad_query("sort_dir", direction, f"'{direction}' is not one of ['asc', 'desc']")
    return keys or ["created_at"], dirs or ["desc"] * max(len(keys), 1)


def _check_base64(data: str) -> None:
    try:
        base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise common_exc.ValidationError(
            field="user_data", value=data, reason=f"'{data}' is not a 'base64'"
        ) from None


class ServersController(ServerActionsMixin, Controller):
    """GET/POST /servers, GET /servers/detail, GET/PUT/DELETE /servers/{id}, and the
    server actions (``POST /servers/{id}/action``)."""

    # -- lists -------------------------------------------------------------------------
    def index(self, req: Request) -> dict[str, Any]:
        authorize(req, SERVERS % "index")
        return views.index(req, self._get_servers(req, is_detail=False))

    def detail(self, req: Request) -> dict[str, Any]:
        authorize(req, SERVERS % "detail")
        return views.detail(req, self._get_servers(req, is_detail=True))

    def _search_options(self, req: Request) -> dict[str, Any]:
        ctxt = req.context
        opts: dict[str, Any] = {}
        allow_all = self._allowed(req, SERVERS % "allow_all_filters")
        for key, value in req.GET.items():
            if key in PAGING_PARAMS or key in UNSUPPORTED_FILTERS:
                continue
            if allow_all or key in USER_FILTERS:
                opts[key] = value
        if "changes-since" in opts:
            try:
                opts["changes-since"] = image_api.parse_isotime(opts["changes-since"]).replace(
                    tzinfo=None
                )
            except ValueError:
                value = opts["changes-since"]
                raise _bad_query(
                    "changes-since", value, f"'{value}' is not a 'date-time'"
                ) from None
        if "deleted" in opts:
            deleted = paging.bool_from_string(opts["deleted"])
            opts["deleted"] = deleted
        if "image" in opts:
            opts["image"] = orchestration.id_from_href(opts["image"])
        if "tenant_id" in opts and "project_id" not in opts:
            opts["project_id"] = opts.pop("tenant_id")
        opts.pop("tenant_id", None)
        if not ctxt.is_admin:
            opts.pop("project_id", None)
        return opts

    @staticmethod
    def _allowed(req: Request, rule: str) -> bool:
        try:
            authorize(req, rule)
        except common_exc.PolicyNotAuthorized:
            return False
        return True

    def _get_servers(self, req: Request, is_detail: bool) -> list[Any]:
        ctxt = req.context
        opts = self._search_options(req)
        statuses = req.GET.getall("status")
        if statuses:
            vm_states, task_states = task_and_vm_state_from_status(statuses)
            if not vm_states:
                return []
            opts["vm_state"] = vm_states
            if task_states is not None:
                opts["task_state"] = task_states
        if "flavor" in opts:
            try:
                flavor = orchestration.get_flavor(ctxt, orchestration.id_from_href(opts["flavor"]))
            except exception.FlavorNotFound:
                return []
            opts["flavor"] = flavor.id
        if _is_all_tenants(req):
            authorize(
                req, SERVERS % ("detail:get_all_tenants" if is_detail else "index:get_all_tenants")
            )
        else:
            opts.pop("project_id", None)
            if ctxt.project_id:
                opts["project_id"] = ctxt.project_id
            else:
                opts["user_id"] = ctxt.user_id
        limit, marker = paging.limit_and_marker(req)
        sort_keys, sort_dirs = _sort_params(req)
        try:
            return list(
                compute_api().get_all(
                    ctxt,
                    opts,
                    limit=limit,
                    marker=marker,
                    sort_keys=sort_keys,
                    sort_dirs=sort_dirs,
                )
            )
        except exception.MarkerNotFound:
            raise webob.exc.HTTPBadRequest(detail=f"marker [{marker}] not found") from None
        except exception.InvalidSortKey as error:
            raise webob.exc.HTTPBadRequest(detail=error.format_message()) from None

    # -- one server --------------------------------------------------------------------
    def show(self, req: Request, id: str) -> dict[str, Any]:
        instance = get_instance(req, id)
        authorize(req, SERVERS % "show", instance)
        return {"server": views.show(req, instance)}

    @validation.schema(schemas.UPDATE)
    def update(self, req: Request, id: str, body: dict[str, Any]) -> dict[str, Any]:
        args = body["server"]
        instance = get_instance(req, id)
        authorize(req, SERVERS % "update", instance)
        updates = _access_ip_updates(args)
        if "name" in args:
            updates["display_name"] = args["name"]
        with refusals("update", id):
            instance = compute_api().update_instance(req.context, instance, updates)
        return {"server": views.show(req, instance)}

    @response(204)
    def delete(self, req: Request, id: str) -> None:
        instance = get_instance(req, id)
        authorize(req, SERVERS % "delete", instance)
        with refusals("delete", id):
            compute_api().delete(req.context, instance)

    # -- create ------------------------------------------------------------------------
    @response(202)
    @validation.schema(schemas.CREATE)
    def create(self, req: Request, body: dict[str, Any]) -> Any:
        ctxt = req.context
        server = body["server"]
        authorize(req, SERVERS % "create")
        image_href = server.get("imageRef") or _image_from_block_devices(server)
        if not orchestration._is_uuid_like(orchestration.id_from_href(image_href)):
            raise webob.exc.HTTPBadRequest(detail="Invalid imageRef provided.")
        min_count = int(server.get("min_count", 1))
        max_count = int(server.get("max_count", min_count))
        if min_count > max_count:
            raise webob.exc.HTTPBadRequest(
                detail="Invalid input received: min_count must be <= max_count"
            )
        if "user_data" in server:
            _check_base64(server["user_data"])
        zone, forced_host, forced_node = self._zone_and_host(req, server.get("availability_zone"))
        hints = body.get("os:scheduler_hints") or body.get("OS-SCH-HNT:scheduler_hints") or {}
        password = server.get("adminPass") or orchestration.generate_password()
        try:
            flavor = orchestration.get_flavor(ctxt, str(server["flavorRef"]))
        except exception.FlavorNotFound:
            raise webob.exc.HTTPBadRequest(detail="Invalid flavorRef provided.") from None
        with image_errors("Can not find requested image"):
            try:
                instances, reservation_id = compute_api().create(
                    ctxt,
                    flavor,
                    image_href,
                    min_count=min_count,
                    max_count=max_count,
                    name=server["name"],
                    key_name=server.get("key_name"),
                    metadata=server.get("metadata"),
                    user_data=server.get("user_data"),
                    availability_zone=zone,
                    scheduler_hints=hints,
                    admin_password=password,
                    access_ip_v4=server.get("accessIPv4"),
                    access_ip_v6=server.get("accessIPv6"),
                    config_drive=paging.bool_from_string(server.get("config_drive", False)),
                    forced_host=forced_host,
                    forced_node=forced_node,
                )
            except exception.KeypairNotFound:
                raise webob.exc.HTTPBadRequest(detail="Invalid key_name provided.") from None
            except exception.FlavorNotFound:
                raise webob.exc.HTTPBadRequest(detail="Invalid flavorRef provided.") from None
            except (exception.InvalidRequest, exception.InvalidInput) as error:
                raise webob.exc.HTTPBadRequest(detail=error.format_message()) from None
            except exception.OverQuota as error:
                raise webob.exc.HTTPForbidden(detail=error.format_message()) from None
        if paging.bool_from_string(server.get("return_reservation_id", False)):
            return {"reservation_id": reservation_id}
        first = instances[0]
        return ResponseObject(
            views.create_response(req, first, password),
            headers={"Location": links.href(req, "servers", first.uuid)},
        )

    @staticmethod
    def _zone_and_host(
        req: Request, value: str | None
    ) -> tuple[str | None, str | None, str | None]:
        """``zone``, ``zone:host`` or ``zone:host:node``; forcing a host is for admins."""
        if not value:
            return None, None, None
        zone, _sep, rest = value.partition(":")
        host, _sep, node = rest.partition(":")
        if host or node:
            authorize(req, SERVERS % "create:forced_host")
        return zone or None, host or None, node or None


ROUTES = [
    ("/servers", {"GET": (ServersController, "index"), "POST": (ServersController, "create")}),
    ("/servers/detail", {"GET": (ServersController, "detail")}),
    (
        "/servers/{id}",
        {
            "GET": (ServersController, "show"),
            "PUT": (ServersController, "update"),
            "DELETE": (ServersController, "delete"),
        },
    ),
    ("/servers/{id}/action", {"POST": (ServersController, "action")}),
]


def _image_from_block_devices(server: dict[str, Any]) -> str:
    """The image of a boot-from-image block device mapping (what clients such as
    python-openstackclient send next to, or instead of, ``imageRef``).

    Mappings to volumes need the block storage service, which the compute API does not
    reach yet: they are refused with a 400 rather than silently ignored.
    """
    image = ""
    mappings = server.get("block_device_mapping_v2") or []
    if server.get("block_device_mapping"):
        raise webob.exc.HTTPBadRequest(detail="Block device mapping to volumes is not supported.")
    for bdm in mappings:
        if bdm.get("source_type") == "image" and bdm.get("destination_type", "local") == "local":
            image = image or bdm.get("uuid") or ""
            continue
        raise webob.exc.HTTPBadRequest(detail="Block device mapping to volumes is not supported.")
    return image
