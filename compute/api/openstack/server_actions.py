"""``POST /servers/{id}/action``: reboot, os-start, os-stop, pause, unpause, suspend,
resume, lock, unlock, rebuild, resize, confirmResize, revertResize, createImage and
forceDelete, with Nova's policies, codes and 409 messages.

Also the helpers every server resource shares: finding the caller's server (another
project's is a 404 that reveals nothing) and turning a refused action into Nova's 409.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import webob.exc

from common.wsgi import policy, validation
from common.wsgi.resource import Request, ResponseObject, action, response
from compute import exception, orchestration
from compute.api import policies  # noqa: F401  (registers the os_compute_api rules)
from compute.api.openstack.schemas import servers as schemas
from compute.api.openstack.views import links
from compute.api.openstack.views import servers as views
from compute.states import invalid_state_message

SERVERS = "os_compute_api:servers:%s"

_COMPUTE_API: orchestration.API | None = None


def compute_api() -> orchestration.API:
    """One compute API per process: its RPC clients are built on first use."""
    global _COMPUTE_API
    if _COMPUTE_API is None:
        _COMPUTE_API = orchestration.API()
    return _COMPUTE_API


def reset_compute_api() -> None:
    """Forget the shared compute API (tests switch transports)."""
    global _COMPUTE_API
    _COMPUTE_API = None


def get_instance(req: Request, server_id: str, expected_attrs: list[str] | None = None) -> Any:
    """The caller's server or 404 "Instance <id> could not be found."."""
    try:
        return compute_api().get(req.context, server_id, expected_attrs)
    except exception.InstanceNotFound as error:
        raise webob.exc.HTTPNotFound(detail=error.format_message()) from None


def authorize(req: Request, rule: str, instance: Any = None) -> None:
    """Policy check against the server's project and user (Nova's target)."""
    target = None
    if instance is not None:
        target = {"project_id": instance.project_id, "user_id": instance.user_id}
    policy.authorize(req.context, rule, target)


@contextlib.contextmanager
def refusals(api_action: str, server_id: str) -> Iterator[None]:
    """Nova's answers to an action the server's state forbids: 409 with
    "Cannot '<action>' instance <id> while it is in vm_state <state>", 409 when locked
    or when a concurrent action won the compare-and-swap."""
    try:
        yield
    except exception.InstanceInvalidState as error:
        raise webob.exc.HTTPConflict(
            detail=invalid_state_message(error, api_action, server_id)
        ) from None
    except (exception.InstanceIsLocked, exception.UnexpectedTaskStateError) as error:
        raise webob.exc.HTTPConflict(detail=error.format_message()) from None
    except exception.InstanceNotFound as error:
        raise webob.exc.HTTPNotFound(detail=error.format_message()) from None


def flavor_errors_as_bad_request() -> contextlib.AbstractContextManager[None]:
    return _bad_request_on(exception.FlavorNotFound, "Unable to locate requested flavor.")


@contextlib.contextmanager
def _bad_request_on(error_cls: type[Exception], message: str) -> Iterator[None]:
    try:
        yield
    except error_cls:
        raise webob.exc.HTTPBadRequest(detail=message) from None


@contextlib.contextmanager
def image_errors(not_found: str) -> Iterator[None]:
    """What rebuild and create answer when the image cannot be used."""
    try:
        yield
    except exception.ImageNotFound:
        raise webob.exc.HTTPBadRequest(detail=not_found) from None
    except (
        exception.ImageNotActive,
        exception.FlavorMemoryTooSmall,
        exception.FlavorDiskSmallerThanImage,
        exception.FlavorDiskSmallerThanMinDisk,
        exception.InvalidInput,
    ) as error:
        raise webob.exc.HTTPBadRequest(detail=error.format_message()) from None


def _access_ip_updates(body: dict[str, Any]) -> dict[str, Any]:
    updates = {}
    if "accessIPv4" in body:
        updates["access_ip_v4"] = body["accessIPv4"] or None
    if "accessIPv6" in body:
        updates["access_ip_v6"] = body["accessIPv6"] or None
    return updates


class ServerActionsMixin:
    """The ``@action`` handlers of ServersController (one controller serves
    ``/servers/{id}/action``)."""

    def _simple_action(
        self, req: Request, server_id: str, rule: str, api_action: str, method: str
    ) -> None:
        instance = get_instance(req, server_id)
        authorize(req, rule, instance)
        with refusals(api_action, server_id):
            getattr(compute_api(), method)(req.context, instance)

    # -- power -------------------------------------------------------------------------
    @action("reboot")
    @response(202)
    @validation.schema(schemas.REBOOT)
    def _action_reboot(self, req: Request, id: str, body: dict[str, Any]) -> None:
        instance = get_instance(req, id)
        authorize(req, SERVERS % "reboot", instance)
        with refusals("reboot", id):
            compute_api().reboot(req.context, instance, body["reboot"]["type"].upper())

    @action("os-start")
    @response(202)
    def _action_start(self, req: Request, id: str, body: Any) -> None:
        self._simple_action(req, id, SERVERS % "start", "start", "start")

    @action("os-stop")
    @response(202)
    def _action_stop(self, req: Request, id: str, body: Any) -> None:
        self._simple_action(req, id, SERVERS % "stop", "stop", "stop")

    @action("pause")
    @response(202)
    def _action_pause(self, req: Request, id: str, body: Any) -> None:
        self._simple_action(req, id, "os_compute_api:os-pause-server:pause", "pause", "pause")

    @action("unpause")
    @response(202)
    def _action_unpause(self, req: Request, id: str, body: Any) -> None:
        self._simple_action(req, id, "os_compute_api:os-pause-server:unpause", "unpause", "unpause")

    @action("suspend")
    @response(202)
    def _action_suspend(self, req: Request, id: str, body: Any) -> None:
        self._simple_action(
            req, id, "os_compute_api:os-suspend-server:suspend", "suspend", "suspend"
        )

    @action("resume")
    @response(202)
    def _action_resume(self, req: Request, id: str, body: Any) -> None:
        self._simple_action(req, id, "os_compute_api:os-suspend-server:resume", "resume", "resume")

    # -- console ---------------------------------------------------------------------
    @action("os-getConsoleOutput")
    @validation.schema(schemas.GET_CONSOLE_OUTPUT)
    def _action_get_console_output(self, req: Request, id: str, body: dict[str, Any]) -> Any:
        instance = get_instance(req, id)
        authorize(req, "os_compute_api:os-console-output", instance)
        length = body["os-getConsoleOutput"].get("length")
        length = None if length in (None, "") or int(length) == -1 else int(length)
        try:
            output = compute_api().get_console_output(req.context, instance, length)
        except exception.InstanceNotReady as error:
            raise webob.exc.HTTPConflict(detail=error.format_message()) from None
        except NotImplementedError:
            raise webob.exc.HTTPNotImplemented(
                detail="Unable to get console output: not supported by this hypervisor"
            ) from None
        # Control characters other than newlines and tabs would break JSON clients.
        output = "".join(c for c in output if c in "\n\t" or c >= " ")
        return {"output": output}

    # -- lock --------------------------------------------------------------------------
    @action("lock")
    @response(202)
    def _action_lock(self, req: Request, id: str, body: Any) -> None:
        instance = get_instance(req, id)
        authorize(req, "os_compute_api:os-lock-server:lock", instance)
        with refusals("lock", id):
            compute_api().lock(req.context, instance)

    @action("unlock")
    @response(202)
    def _action_unlock(self, req: Request, id: str, body: Any) -> None:
        instance = get_instance(req, id)
        authorize(req, "os_compute_api:os-lock-server:unlock", instance)
        if not compute_api().is_expected_locked_by(req.context, instance):
            # The owner cannot lift an admin's lock without this (admin) rule.
            authorize(req, "os_compute_api:os-lock-server:unlock:unlock_override", instance)
        with refusals("unlock", id):
            compute_api().unlock(req.context, instance)

    # -- delete ------------------------------------------------------------------------
    @action("forceDelete")
    @response(202)
    def _action_force_delete(self, req: Request, id: str, body: Any) -> None:
        instance = get_instance(req, id)
        authorize(req, "os_compute_api:os-deferred-delete:force", instance)
        with refusals("forceDelete", id):
            compute_api().force_delete(req.context, instance)

    # -- rebuild, resize -----------------------------------------------------------------
    @action("rebuild")
    @response(202)
    @validation.schema(schemas.REBUILD)
    def _action_rebuild(self, req: Request, id: str, body: dict[str, Any]) -> ResponseObject:
        args = body["rebuild"]
        instance = get_instance(req, id)
        authorize(req, SERVERS % "rebuild", instance)
        image_href = args["imageRef"]
        if not orchestration._is_uuid_like(orchestration.id_from_href(image_href)):
            raise webob.exc.HTTPBadRequest(detail="Invalid imageRef provided.")
        password = args.get("adminPass") or orchestration.generate_password()
        with refusals("rebuild", id), image_errors("Cannot find image for rebuild"):
            try:
                compute_api().rebuild(
                    req.context,
                    instance,
                    image_href,
                    password,
                    name=args.get("name"),
                    metadata=args.get("metadata"),
                    preserve_ephemeral=args.get("preserve_ephemeral", False),
                    **_access_ip_updates(args),
                )
            except exception.MetadataLimitExceeded as error:
                raise webob.exc.HTTPForbidden(detail=error.format_message()) from None
        instance = get_instance(req, id)
        view = views.show(req, instance)
        if orchestration.CONF.api.enable_instance_password:
            view["adminPass"] = password
        return ResponseObject(
            {"server": view}, headers={"Location": links.href(req, "servers", instance.uuid)}
        )

    @action("resize")
    @response(202)
    @validation.schema(schemas.RESIZE)
    def _action_resize(self, req: Request, id: str, body: dict[str, Any]) -> None:
        instance = get_instance(req, id)
        authorize(req, SERVERS % "resize", instance)
        flavor_ref = str(body["resize"]["flavorRef"])
        with refusals("resize", id), flavor_errors_as_bad_request():
            try:
                compute_api().resize(req.context, instance, flavor_ref)
            except exception.CannotResizeToSameFlavor:
                raise webob.exc.HTTPBadRequest(detail="Resize requires a flavor change.") from None
            except exception.CannotResizeDisk as error:
                raise webob.exc.HTTPBadRequest(detail=error.format_message()) from None
            except exception.OverQuota as error:
                raise webob.exc.HTTPForbidden(detail=error.format_message()) from None

    @action("confirmResize")
    @response(204)
    def _action_confirm_resize(self, req: Request, id: str, body: Any) -> None:
        self._simple_action(req, id, SERVERS % "confirm_resize", "confirmResize", "confirm_resize")

    @action("revertResize")
    @response(202)
    def _action_revert_resize(self, req: Request, id: str, body: Any) -> None:
        self._simple_action(req, id, SERVERS % "revert_resize", "revertResize", "revert_resize")

    # -- snapshot ----------------------------------------------------------------------
    @action("createImage")
    @response(202)
    @validation.schema(schemas.CREATE_IMAGE)
    def _action_create_image(self, req: Request, id: str, body: dict[str, Any]) -> ResponseObject:
        args = body["createImage"]
        instance = get_instance(req, id)
        authorize(req, SERVERS % "create_image", instance)
        with refusals("createImage", id):
            try:
                image = compute_api().snapshot(
                    req.context, instance, args["name"], args.get("metadata") or {}
                )
            except exception.MetadataLimitExceeded as error:
                raise webob.exc.HTTPForbidden(detail=error.format_message()) from None
        return ResponseObject(None, headers={"Location": image_url(req, image["id"])})


def image_url(req: Request, image_id: str) -> str:
    """Where the new image is: Glance's URL when Glance serves images, else ours."""
    from compute.api.openstack import images

    alternate = images._alternate(req, image_id)
    return alternate or links.href(req, "images", image_id)
