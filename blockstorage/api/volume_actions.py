"""``POST /volumes/{id}/action``: os-extend, the attach steps (os-reserve ...
os-detach), os-set_bootable, os-update_readonly_flag and the admin actions
(os-reset_status, os-force_detach, os-force_delete) and os-volume_upload_image, with
Cinder's codes."""

from __future__ import annotations

from typing import Any

import webob
import webob.exc

from blockstorage import exception
from blockstorage.api import api_version, common, schemas, views
from blockstorage.api.volumes import authorize, get_volume
from blockstorage.volume import states
from common import rpc
from common.wsgi import validation
from common.wsgi.resource import Controller, Request, action, response

ACTION = "volume_extension:volume_actions:%s"
ADMIN = "volume_extension:volume_admin_actions:%s"


def _volume(req: Request, volume_id: str, rule: str) -> Any:
    volume = get_volume(req, volume_id)
    authorize(req, rule, volume.project_id)
    return volume


class VolumeActionsController(Controller):
    @action("os-extend")
    @response(202)
    @validation.schema(schemas.extend)
    def _extend(self, req: Request, id: str, body: dict[str, Any]) -> None:
        volume = _volume(req, id, "volume:extend")
        new_size = int(body["os-extend"]["new_size"])
        common.volume_api().extend(req.context, volume, new_size)

    @action("os-reserve")
    @response(202)
    def _reserve(self, req: Request, id: str, body: Any) -> None:
        common.volume_api().reserve_volume(req.context, _volume(req, id, ACTION % "reserve"))

    @action("os-unreserve")
    @response(202)
    def _unreserve(self, req: Request, id: str, body: Any) -> None:
        common.volume_api().unreserve_volume(req.context, _volume(req, id, ACTION % "unreserve"))

    @action("os-begin_detaching")
    @response(202)
    def _begin_detaching(self, req: Request, id: str, body: Any) -> None:
        volume = _volume(req, id, ACTION % "begin_detaching")
        common.volume_api().begin_detaching(req.context, volume)

    @action("os-roll_detaching")
    @response(202)
    def _roll_detaching(self, req: Request, id: str, body: Any) -> None:
        volume = _volume(req, id, ACTION % "roll_detaching")
        common.volume_api().roll_detaching(req.context, volume)

    @action("os-initialize_connection")
    @validation.schema(schemas.initialize_connection)
    def _initialize_connection(self, req: Request, id: str, body: dict[str, Any]) -> Any:
        volume = _volume(req, id, ACTION % "initialize_connection")
        connector = body["os-initialize_connection"]["connector"]
        try:
            info = common.volume_api().initialize_connection(req.context, volume, connector)
        except exception.InvalidInput as exc:
            raise webob.exc.HTTPBadRequest(detail=exc.format_message()) from None
        except (exception.NovellaException, rpc.RemoteError) as exc:
            if isinstance(exc, exception.Invalid | exception.NotFound):
                raise
            raise webob.exc.HTTPInternalServerError(
                detail=f"Unable to fetch connection information from backend: {exc}"
            ) from None
        return {"connection_info": info}

    @action("os-terminate_connection")
    @response(202)
    @validation.schema(schemas.terminate_connection)
    def _terminate_connection(self, req: Request, id: str, body: dict[str, Any]) -> None:
        volume = _volume(req, id, ACTION % "terminate_connection")
        connector = body["os-terminate_connection"]["connector"]
        try:
            common.volume_api().terminate_connection(req.context, volume, connector)
        except exception.VolumeDriverException as exc:
            raise webob.exc.HTTPInternalServerError(
                detail=f"Unable to terminate volume connection: {exc.format_message()}"
            ) from None

    @action("os-attach")
    @response(202)
    @validation.schema(schemas.attach)
    def _attach(self, req: Request, id: str, body: dict[str, Any]) -> None:
        volume = _volume(req, id, ACTION % "attach")
        spec = body["os-attach"]
        instance_uuid, host_name = spec.get("instance_uuid"), spec.get("host_name")
        if not instance_uuid and not host_name:
            raise webob.exc.HTTPBadRequest(
                detail="Invalid request to attach volume to an invalid target"
            )
        common.volume_api().attach(
            req.context,
            volume,
            instance_uuid,
            host_name,
            spec["mountpoint"],
            spec.get("mode", "rw"),
        )

    @action("os-detach")
    @response(202)
    @validation.schema(schemas.detach)
    def _detach(self, req: Request, id: str, body: dict[str, Any]) -> None:
        volume = _volume(req, id, ACTION % "detach")
        attachment_id = (body.get("os-detach") or {}).get("attachment_id")
        common.volume_api().detach(req.context, volume, attachment_id)

    @action("os-set_bootable")
    @validation.schema(schemas.set_bootable)
    def _set_bootable(self, req: Request, id: str, body: dict[str, Any]) -> webob.Response:
        volume = _volume(req, id, "volume:update")
        bootable = common.bool_param(body["os-set_bootable"]["bootable"], "bootable")
        common.volume_api().update(req.context, volume, {"bootable": bootable})
        return webob.Response(status=200, charset=None, content_type=None)

    @action("os-update_readonly_flag")
    @response(202)
    @validation.schema(schemas.update_readonly)
    def _update_readonly(self, req: Request, id: str, body: dict[str, Any]) -> None:
        volume = _volume(req, id, "volume:update_readonly_flag")
        readonly = common.bool_param(body["os-update_readonly_flag"]["readonly"], "readonly")
        common.volume_api().update_readonly_flag(req.context, volume, readonly)

    @action("os-reset_status")
    @response(202)
    @validation.schema(schemas.reset_status)
    def _reset_status(self, req: Request, id: str, body: dict[str, Any]) -> None:
        volume = _volume(req, id, ADMIN % "reset_status")
        spec = body["os-reset_status"]
        status = spec.get("status")
        attach_status = spec.get("attach_status")
        migration_status = spec.get("migration_status")
        if not (status or attach_status or migration_status):
            raise webob.exc.HTTPBadRequest(detail="Must specify 'status', 'attach_status' or "
                                           "'migration_status' for update.")  # fmt: skip
        checks = (
            (status, states.RESET_VOLUME_STATUSES, "status"),
            (attach_status, states.RESET_ATTACH_STATUSES, "attach_status"),
            (migration_status, states.RESET_MIGRATION_STATUSES, "migration_status"),
        )
        for value, valid, name in checks:
            if value and value.lower() not in valid:
                raise webob.exc.HTTPBadRequest(detail=f"Must specify a valid {name}")
        common.volume_api().reset_status(
            req.context,
            volume,
            status.lower() if status else None,
            attach_status.lower() if attach_status else None,
            migration_status.lower() if migration_status else None,
        )

    @action("os-force_detach")
    @response(202)
    @validation.schema(schemas.force_detach)
    def _force_detach(self, req: Request, id: str, body: dict[str, Any]) -> None:
        volume = _volume(req, id, ADMIN % "force_detach")
        spec = body["os-force_detach"]
        common.volume_api().force_detach(
            req.context, volume, spec.get("attachment_id"), spec.get("connector")
        )

    @action("os-volume_upload_image")
    @response(202)
    @validation.schema(schemas.upload_image)
    def _upload_image(self, req: Request, id: str, body: dict[str, Any]) -> dict[str, Any]:
        volume = _volume(req, id, ACTION % "upload_image")
        spec = body["os-volume_upload_image"]
        force = common.bool_param(spec.get("force", False), "force")
        meta: dict[str, Any] = {
            "name": spec["image_name"],
            "disk_format": spec.get("disk_format", "raw"),
            "container_format": spec.get("container_format", "bare"),
        }
        if api_version.at_least(req, api_version.UPLOAD_IMAGE_PARAMS):
            if "visibility" in spec:
                meta["visibility"] = spec["visibility"]
            if "protected" in spec:
                meta["protected"] = common.bool_param(spec["protected"], "protected")
        image = common.volume_api().copy_volume_to_image(req.context, volume, meta, force)
        return {
            "os-volume_upload_image": {
                "id": volume.id,
                "updated_at": common.iso(volume.updated_at),
                "status": volume.status,
                "display_description": volume.display_description,
                "size": volume.size,
                "volume_type": views.volume_type(req, volume.volume_type)
                if volume.volume_type
                else None,
                "image_id": image["id"],
                "container_format": meta["container_format"],
                "disk_format": meta["disk_format"],
                "image_name": meta["name"],
            }
        }

    @action("os-force_delete")
    @response(202)
    def _force_delete(self, req: Request, id: str, body: Any) -> None:
        volume = _volume(req, id, ADMIN % "force_delete")
        common.volume_api().delete(req.context, volume, force=True)


ROUTES = [("/volumes/{id}/action", {"POST": (VolumeActionsController, "action")})]
