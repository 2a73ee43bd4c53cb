"""``/types``: volume types (list, show; create, update, delete for admins), their extra
specs (``/types/{id}/extra_specs``) and access lists (``os-volume-type-access``,
``addProjectAccess`` / ``removeProjectAccess``), as Cinder v3 answers them."""

from __future__ import annotations

from typing import Any

import webob.exc

from blockstorage import exception, objects
from blockstorage.api import common, schemas, views
from blockstorage.api.volumes import authorize
from common.config import CONF
from common.wsgi import validation
from common.wsgi.resource import Controller, Request, action, response

MANAGE = "volume_extension:types_manage"
SPECS = "volume_extension:types_extra_specs:%s"


def get_type(req: Request, type_id: str) -> Any:
    """The type the context may see (a private type of others answers 404)."""
    return objects.VolumeType.get_by_id(req.context, type_id)


def _parse_is_public(value: str | None) -> bool | None:
    if value is None:
        return True
    if value.strip().lower() == "none":
        return None
    try:
        return common.bool_param(value, "is_public")
    except webob.exc.HTTPBadRequest:
        raise webob.exc.HTTPBadRequest(detail=f"Invalid is_public filter [{value}]") from None


def _stringify(specs: dict[str, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in specs.items()}


class VolumeTypesController(Controller):
    def index(self, req: Request) -> dict[str, Any]:
        authorize(req, "volume_extension:type_get_all")
        params = dict(req.GET.items())
        marker, limit, offset = common.pagination_params(params)
        sort_keys, sort_dirs = common.sort_params(params, default_key="created_at")
        filters = {}
        if req.context.is_admin:
            filters["is_public"] = _parse_is_public(params.get("is_public"))
        else:
            filters["is_public"] = True
        try:
            types = objects.VolumeTypeList.get_all(
                req.context,
                filters=filters,
                marker=marker,
                limit=limit,
                sort_keys=sort_keys,
                sort_dirs=sort_dirs,
                offset=offset,
            )
        except exception.MarkerNotFound as exc:
            raise webob.exc.HTTPBadRequest(detail=exc.format_message()) from None
        body: dict[str, Any] = {"volume_types": [views.volume_type(req, t) for t in types]}
        links = common.collection_links(req, list(types), "types", limit)
        if links:
            body["volume_type_links"] = links
        return body

    def show(self, req: Request, id: str) -> dict[str, Any]:
        authorize(req, "volume_extension:type_get")
        if id == "default":
            vtype = common.volume_api().default_volume_type(req.context)
        else:
            vtype = get_type(req, id)
        return {"volume_type": views.volume_type(req, vtype)}

    @validation.schema(schemas.type_create)
    def create(self, req: Request, body: dict[str, Any]) -> dict[str, Any]:
        authorize(req, MANAGE)
        spec = body["volume_type"]
        name = spec["name"].strip()
        if not name:
            raise webob.exc.HTTPBadRequest(detail="Volume type name can not be empty.")
        is_public = common.bool_param(
            spec.get("os-volume-type-access:is_public", True), "is_public"
        )
        vtype = objects.VolumeType(
            req.context,
            name=name,
            description=spec.get("description"),
            is_public=is_public,
            extra_specs=_stringify(spec.get("extra_specs") or {}),
            projects=[],
        )
        vtype.create()
        return {"volume_type": views.volume_type(req, vtype)}

    @validation.schema(schemas.type_update)
    def update(self, req: Request, id: str, body: dict[str, Any]) -> dict[str, Any]:
        authorize(req, MANAGE)
        spec = body["volume_type"]
        if not any(k in spec for k in ("name", "description", "is_public")):
            raise webob.exc.HTTPBadRequest(
                detail="Specify volume type name, description, is_public or a combination thereof."
            )
        vtype = get_type(req, id)
        if spec.get("name") is not None:
            name = spec["name"].strip()
            if not name:
                raise webob.exc.HTTPBadRequest(detail="Volume type name can not be empty.")
            vtype.name = name
        if "description" in spec:
            vtype.description = spec["description"]
        if "is_public" in spec:
            vtype.is_public = common.bool_param(spec["is_public"], "is_public")
        vtype.save()
        return {"volume_type": views.volume_type(req, vtype)}

    @response(202)
    def delete(self, req: Request, id: str) -> None:
        authorize(req, MANAGE)
        vtype = get_type(req, id)
        if vtype.name == CONF.default_volume_type:
            raise webob.exc.HTTPBadRequest(detail="Default volume type can not be deleted.")
        try:
            vtype.destroy()
        except exception.VolumeTypeInUse:
            raise webob.exc.HTTPBadRequest(detail="Target volume type is still in use.") from None


class TypeExtraSpecsController(Controller):
    def index(self, req: Request, type_id: str) -> dict[str, Any]:
        authorize(req, SPECS % "index")
        vtype = get_type(req, type_id)
        return {"extra_specs": views.volume_type(req, vtype)["extra_specs"]}

    @validation.schema(schemas.extra_specs_create)
    def create(self, req: Request, type_id: str, body: dict[str, Any]) -> dict[str, Any]:
        authorize(req, SPECS % "create")
        vtype = get_type(req, type_id)
        specs = _stringify(body["extra_specs"])
        vtype.extra_specs = {**vtype.extra_specs, **specs}
        vtype.save()
        return {"extra_specs": specs}

    def show(self, req: Request, type_id: str, id: str) -> dict[str, Any]:
        authorize(req, SPECS % "show")
        vtype = get_type(req, type_id)
        visible = views.volume_type(req, vtype)["extra_specs"]
        if id not in visible:
            raise exception.VolumeTypeExtraSpecsNotFound(volume_type_id=type_id, extra_specs_key=id)
        return {id: visible[id]}

    def update(self, req: Request, type_id: str, id: str, body: Any) -> dict[str, Any]:
        authorize(req, SPECS % "update")
        if not isinstance(body, dict):
            raise webob.exc.HTTPBadRequest(detail="Malformed request body")
        if id not in body:
            raise webob.exc.HTTPBadRequest(detail="Request body and URI mismatch")
        if len(body) > 1:
            raise webob.exc.HTTPBadRequest(detail="Request body contains too many items")
        validation.validate_body(schemas.extra_specs, body)
        vtype = get_type(req, type_id)
        specs = _stringify(body)
        vtype.extra_specs = {**vtype.extra_specs, **specs}
        vtype.save()
        return body

    @response(202)
    def delete(self, req: Request, type_id: str, id: str) -> None:
        authorize(req, SPECS % "delete")
        get_type(req, type_id).delete_extra_spec(id)


class TypeAccessController(Controller):
    def index(self, req: Request, type_id: str) -> dict[str, Any]:
        authorize(req, "volume_extension:volume_type_access")
        vtype = get_type(req, type_id)
        if vtype.is_public:
            raise webob.exc.HTTPNotFound(
                detail="Access list not available for public volume types."
            )
        return {
            "volume_type_access": [
                {"volume_type_id": vtype.id, "project_id": project} for project in vtype.projects
            ]
        }


class TypeActionController(Controller):
    @action("addProjectAccess")
    @response(202)
    @validation.schema(schemas.add_project_access)
    def _add_project_access(self, req: Request, id: str, body: dict[str, Any]) -> None:
        authorize(req, "volume_extension:volume_type_access:addProjectAccess")
        vtype = get_type(req, id)
        if vtype.is_public:
            raise webob.exc.HTTPBadRequest(detail="Invalid volume type: Type access modification "
                                           "is not applicable to public volume type.")  # fmt: skip
        vtype.add_project(body["addProjectAccess"]["project"])

    @action("removeProjectAccess")
    @response(202)
    @validation.schema(schemas.remove_project_access)
    def _remove_project_access(self, req: Request, id: str, body: dict[str, Any]) -> None:
        authorize(req, "volume_extension:volume_type_access:removeProjectAccess")
        vtype = get_type(req, id)
        if vtype.is_public:
            raise webob.exc.HTTPBadRequest(detail="Invalid volume type: Type access modification "
                                           "is not applicable to public volume type.")  # fmt: skip
        vtype.remove_project(body["removeProjectAccess"]["project"])


ROUTES = [
    (
        "/types",
        {"GET": (VolumeTypesController, "index"), "POST": (VolumeTypesController, "create")},
    ),
    (
        "/types/{id}",
        {
            "GET": (VolumeTypesController, "show"),
            "PUT": (VolumeTypesController, "update"),
            "DELETE": (VolumeTypesController, "delete"),
        },
    ),
    ("/types/{id}/action", {"POST": (TypeActionController, "action")}),
    (
        "/types/{type_id}/extra_specs",
        {"GET": (TypeExtraSpecsController, "index"), "POST": (TypeExtraSpecsController, "create")},
    ),
    (
        "/types/{type_id}/extra_specs/{id}",
        {
            "GET": (TypeExtraSpecsController, "show"),
            "PUT": (TypeExtraSpecsController, "update"),
            "DELETE": (TypeExtraSpecsController, "delete"),
        },
    ),
    ("/types/{type_id}/os-volume-type-access", {"GET": (TypeAccessController, "index")}),
]
