"""Power actions on a running host: reboot, stop, start, pause, unpause, suspend, resume.

The API has already checked the states table (``compute.states.ACTIONS``) and saved the
action's task_state; here the driver does the work and the instance is left in the
rule's ``done_vm_state``. The same rule row drives both sides, so they cannot disagree.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from common.config import CONF
from compute import exception
from compute.instance_events import add_instance_fault, event_reporter
from compute.states import Action, PowerState, TaskState, VmState, get_rule

LOG = logging.getLogger(__name__)

# action -> (event name, driver call)
_DRIVER_CALLS: dict[Action, tuple[str, Callable[[Any, Any, Any], None]]] = {
    Action.REBOOT: ("compute_reboot_instance",
                    lambda d, c, i: d.reboot(c, i, None, "SOFT")),
    Action.REBOOT_HARD: ("compute_reboot_instance",
                         lambda d, c, i: d.reboot(c, i, None, "HARD")),
    Action.STOP: ("compute_stop_instance",
                  lambda d, c, i: d.power_off(i, CONF.shutdown_timeout,
                                              CONF.compute.shutdown_retry_interval)),
    Action.START: ("compute_start_instance", lambda d, c, i: d.power_on(c, i, None)),
    Action.PAUSE: ("compute_pause_instance", lambda d, c, i: d.pause(i)),
    Action.UNPAUSE: ("compute_unpause_instance", lambda d, c, i: d.unpause(i)),
    Action.SUSPEND: ("compute_suspend_instance", lambda d, c, i: d.suspend(c, i)),
    Action.RESUME: ("compute_resume_instance", lambda d, c, i: d.resume(c, i, None)),
}  # fmt: skip


def run_power_action(manager: Any, ctxt: Any, instance: Any, action: Action) -> None:
    rule = get_rule(action)
    event, call = _DRIVER_CALLS[action]
    with (
        manager.instance_lock(instance.uuid),
        event_reporter(ctxt, event, instance.uuid, manager.host),
    ):
        try:
            call(manager.driver, ctxt, instance)
        except Exception as exc:
            LOG.warning("%s of instance %s failed: %s", action, instance.uuid, exc)
            add_instance_fault(ctxt, instance, exc, manager.host)
            _after_failure(manager, ctxt, instance, action, rule)
            raise
        instance.power_state = manager.driver.get_info(instance).state
        if rule.done_vm_state is not None:
            instance.vm_state = rule.done_vm_state
        instance.task_state = None
        try:
            instance.save(expected_task_state=_accepted_task_states(action, rule))
        except (exception.InstanceNotFound, exception.UnexpectedDeletingTaskStateError):
            LOG.info("instance %s was deleted during %s", instance.uuid, action)


def _accepted_task_states(action: Action, rule: Any) -> list[str | None]:
    """The task_states the instance may be in when the host finishes the action."""
    states: set[str | None] = {rule.task_state}
    if action in (Action.REBOOT, Action.REBOOT_HARD):
        states |= {
            TaskState.REBOOTING,
            TaskState.REBOOTING_HARD,
            TaskState.REBOOT_PENDING,
            TaskState.REBOOT_STARTED,
            TaskState.REBOOT_PENDING_HARD,
            TaskState.REBOOT_STARTED_HARD,
        }
    return sorted(states, key=str)


def _after_failure(manager: Any, ctxt: Any, instance: Any, action: Action, rule: Any) -> None:
    """Leave a consistent state behind: a failed reboot is an ERROR (as in Nova); other
    failed actions return to the state the guest is really in."""
    try:
        instance.power_state = manager.driver.get_info(instance).state
    except Exception:
        instance.power_state = PowerState.NOSTATE
    if action in (Action.REBOOT, Action.REBOOT_HARD):
        instance.vm_state = VmState.ERROR
    instance.task_state = None
    try:
        instance.save()
    except (exception.InstanceNotFound, exception.UnexpectedDeletingTaskStateError):
        pass


def sync_power_states(manager: Any, ctxt: Any) -> None:
    """Periodic: the hypervisor is the authority on power; fix the DB where they differ.

    A guest found shut off while the instance is ACTIVE is stopped (vm_state STOPPED),
    as Nova does, rather than restarted behind the user's back.
    """
    from compute import objects

    for instance in objects.InstanceList.get_by_host(ctxt, manager.host):
        if instance.task_state is not None or instance.vm_state in (
            VmState.BUILDING,
            VmState.DELETED,
            VmState.ERROR,
        ):
            continue
        with manager.instance_lock(instance.uuid):
            try:
                actual = manager.driver.get_info(instance).state
            except exception.InstanceNotFound:
                actual = PowerState.NOSTATE
            if actual == instance.power_state:
                continue
            LOG.info(
                "instance %s power state %s in DB, %s on the hypervisor",
                instance.uuid,
                instance.power_state,
                actual,
            )
            instance.power_state = actual
            if instance.vm_state == VmState.ACTIVE and actual in (
                PowerState.SHUTDOWN,
                PowerState.CRASHED,
                PowerState.NOSTATE,
            ):
                instance.vm_state = VmState.STOPPED
            try:
                instance.save(expected_task_state=[None])
            except (exception.InstanceNotFound, exception.UnexpectedTaskStateError):
                continue
