"""The build flow in nova-conductor: schedule, then hand each instance to its host.

The conductor is the only place that decides whether a failed build is tried again: a
compute host sends a failed build back here with ``request_spec.retry`` listing the
hosts already tried, and after ``[scheduler] max_attempts`` the instance goes to ERROR
with a fault that says why.
"""

from __future__ import annotations

import logging
from typing import Any

from common.config import CONF
from compute import exception
from compute.instance_events import add_instance_fault, event_reporter
from compute.states import PowerState, TaskState, VmState

LOG = logging.getLogger(__name__)

_GONE = (exception.InstanceNotFound, exception.UnexpectedDeletingTaskStateError)


def build_instances(
    manager: Any,
    ctxt: Any,
    instances: list,
    image: dict,
    request_spec: Any,
    admin_password: str | None,
    injected_files: list,
) -> None:
    retry = _next_attempt(request_spec)
    if retry["num_attempts"] > max(1, CONF.scheduler.max_attempts):
        reason = retry.get("exc_reason") or "build failed"
        exc = exception.MaxRetriesExceeded(
            reason=f"Exhausted all hosts available for retrying build failures for instance "
            f"{instances[0].uuid}. Last failure: {reason}"
        )
        for instance in instances:
            _set_error(ctxt, instance, exc)
        return
    uuids = [instance.uuid for instance in instances]
    try:
        with event_reporter(ctxt, "conductor_schedule_and_build_instances", uuids[0]):
            destinations = manager.scheduler_client.select_destinations(ctxt, request_spec, uuids)
    except exception.NoValidHost as exc:
        LOG.warning("no host for %s: %s", uuids, exc)
        for instance in instances:
            _set_error(ctxt, instance, exc, with_traceback=False)
        return
    except Exception as exc:
        LOG.exception("scheduling of %s failed", uuids)
        for instance in instances:
            _set_error(ctxt, instance, exc)
        return
    for instance, dest in zip(instances, destinations, strict=True):
        spec = _spec_for(request_spec, instance, len(instances))
        try:
            instance.host = dest["host"]
            instance.node = dest["nodename"]
            instance.save(expected_task_state=[TaskState.SCHEDULING, None])
        except _GONE:
            LOG.info("instance %s was deleted while being scheduled", instance.uuid)
            continue
        manager.compute_rpcapi.build_and_run_instance(
            ctxt,
            instance,
            dest["host"],
            dest["nodename"],
            image,
            spec,
            admin_password=admin_password,
            injected_files=injected_files,
            limits=dest.get("limits"),
        )


def _next_attempt(request_spec: Any) -> dict:
    retry = {}
    if request_spec.obj_attr_is_set("retry") and request_spec.retry:
        retry = dict(request_spec.retry)
    retry["num_attempts"] = int(retry.get("num_attempts", 0)) + 1
    retry.setdefault("hosts", [])
    request_spec.retry = retry
    return retry


def _spec_for(request_spec: Any, instance: Any, count: int) -> Any:
    """Each instance of a multi-create carries its own spec, so it reschedules alone."""
    if count == 1:
        spec = request_spec
    else:
        spec = request_spec.obj_clone()
        spec.num_instances = 1
    spec.instance_uuid = instance.uuid
    return spec


def _set_error(ctxt: Any, instance: Any, exc: Exception, with_traceback: bool = True) -> None:
    add_instance_fault(ctxt, instance, exc, with_traceback=with_traceback)
    try:
        instance.vm_state = VmState.ERROR
        instance.task_state = None
        instance.power_state = PowerState.NOSTATE
        instance.save()
    except _GONE:
        pass
