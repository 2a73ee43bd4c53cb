"""Building an instance on this host, and what happens when that fails.

Steps: claim the flavor's resources, mark SPAWNING, ask the driver to spawn, mark
ACTIVE. A delete that arrives meanwhile wins (the compare-and-swap on task_state fails
and the half-built guest is removed). A failed spawn is cleaned up and handed back to
nova-conductor to try the next host; the conductor gives up after ``max_attempts``.
"""

from __future__ import annotations

import logging
from typing import Any

from common.service.servicegroup import utcnow
from compute import exception
from compute.instance_events import add_instance_fault, event_reporter
from compute.states import PowerState, TaskState, VmState

LOG = logging.getLogger(__name__)

_GONE = (exception.InstanceNotFound, exception.UnexpectedDeletingTaskStateError)


def build_and_run_instance(
    manager: Any,
    ctxt: Any,
    instance: Any,
    node: str | None,
    image: dict,
    request_spec: Any,
    admin_password: str | None,
    injected_files: list,
    limits: dict,
) -> None:
    node = node or manager.default_node()
    with manager.instance_lock(instance.uuid):
        try:
            # A failed attempt is recorded as a failed event (with its traceback for
            # admins) before the build is handed back for another host.
            with event_reporter(
                ctxt, "compute_build_and_run_instance", instance.uuid, manager.host
            ):
                try:
                    _build(
                        manager, ctxt, instance, node, image, admin_password, injected_files, limits
                    )
                except _GONE:
                    LOG.info(
                        "instance %s was deleted (or timed out) during its build; cleaning up",
                        instance.uuid,
                    )
                    _destroy_quietly(manager, ctxt, instance)
                    manager.rt.abort_claim(ctxt, instance.uuid, node)
        except exception.BuildAbortException as exc:
            _destroy_quietly(manager, ctxt, instance)
            _set_error(ctxt, instance, exc, manager.host)
        except Exception as exc:
            LOG.warning("build of instance %s failed on %s: %s", instance.uuid, manager.host, exc)
            _destroy_quietly(manager, ctxt, instance)
            _reschedule(
                manager,
                ctxt,
                instance,
                node,
                image,
                request_spec,
                admin_password,
                injected_files,
                exc,
            )


def _build(
    manager: Any,
    ctxt: Any,
    instance: Any,
    node: str,
    image: dict,
    admin_password: str | None,
    injected_files: list,
    limits: dict,
) -> None:
    with manager.rt.instance_claim(ctxt, instance, node, limits):
        instance.host = manager.host
        instance.node = node
        instance.vm_state = VmState.BUILDING
        instance.task_state = TaskState.SPAWNING
        instance.save(expected_task_state=[TaskState.SCHEDULING, None])
        manager.driver.spawn(ctxt, instance, image, injected_files, admin_password)
        instance.power_state = manager.driver.get_info(instance).state
        instance.vm_state = VmState.ACTIVE
        instance.task_state = None
        instance.launched_at = utcnow()
        instance.save(expected_task_state=TaskState.SPAWNING)
    LOG.info("instance %s is ACTIVE on %s", instance.uuid, manager.host)


def _reschedule(
    manager: Any,
    ctxt: Any,
    instance: Any,
    node: str,
    image: dict,
    request_spec: Any,
    admin_password: str | None,
    injected_files: list,
    cause: Exception,
) -> None:
    """Send the build back to the conductor, which picks another host or gives up."""
    manager.rt.abort_claim(ctxt, instance.uuid, node)
    add_instance_fault(ctxt, instance, cause, manager.host)
    try:
        instance.host = None
        instance.node = None
        instance.vm_state = VmState.BUILDING
        instance.task_state = TaskState.SCHEDULING
        instance.save(
            expected_task_state=[TaskState.SPAWNING, TaskState.SCHEDULING, None],
            expected_vm_state=VmState.BUILDING,
        )
    except (*_GONE, exception.UnexpectedVMStateError):
        return  # deleted, or put in ERROR by the build timeout
    # The audit done when the claim was dropped still counted the instance on this
    # host; count again now that it has left, or the host shows it until the next audit.
    manager.rt.update_available_resource(ctxt)
    if request_spec is None:
        _set_error(ctxt, instance, cause, manager.host)
        return
    retry = dict(request_spec.retry or {}) if request_spec.obj_attr_is_set("retry") else {}
    hosts = list(retry.get("hosts") or [])
    if [manager.host, node] not in hosts:
        hosts.append([manager.host, node])
    retry["hosts"] = hosts
    retry["exc_reason"] = str(cause)
    request_spec.retry = retry
    manager.compute_task_api.build_instances(
        ctxt,
        [instance],
        image,
        request_spec,
        admin_password=admin_password,
        injected_files=injected_files,
    )


def _destroy_quietly(manager: Any, ctxt: Any, instance: Any) -> None:
    try:
        manager.driver.destroy(ctxt, instance)
    except Exception:
        LOG.exception("could not clean up the guest of instance %s", instance.uuid)


def _set_error(
    ctxt: Any, instance: Any, exc: Exception, host: str, expected_vm_state: str | None = None
) -> bool:
    """Put the instance in ERROR with a fault (recorded first, so whoever sees ERROR
    finds it); False if it was deleted, or had left ``expected_vm_state``, meanwhile."""
    add_instance_fault(ctxt, instance, exc, host)
    try:
        instance.vm_state = VmState.ERROR
        instance.task_state = None
        instance.power_state = PowerState.NOSTATE
        instance.save(expected_vm_state=expected_vm_state)
    except (*_GONE, exception.UnexpectedVMStateError):
        return False
    return True
