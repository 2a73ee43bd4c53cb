"""Deleting an instance on its host: always able to finish, whatever state it was in."""

from __future__ import annotations

import logging
from typing import Any

from common.service.servicegroup import utcnow
from compute import exception
from compute.instance_events import event_reporter
from compute.states import PowerState, VmState

LOG = logging.getLogger(__name__)


def terminate_instance(manager: Any, ctxt: Any, instance: Any) -> None:
    """Destroy the guest (idempotent in every driver), free its resources, mark the row
    DELETED and soft-delete it. Waits for a build in progress on the same instance,
    which then sees the delete and stops."""
    with (
        manager.instance_lock(instance.uuid),
        event_reporter(ctxt, "compute_terminate_instance", instance.uuid, manager.host),
    ):
        manager.driver.destroy(ctxt, instance)
        node = instance.node
        try:
            instance.refresh()
        except exception.InstanceNotFound:
            LOG.info("instance %s already deleted", instance.uuid)
            _update_usage(manager, ctxt, instance.uuid, node)
            return
        instance.vm_state = VmState.DELETED
        instance.task_state = None
        instance.power_state = PowerState.NOSTATE
        instance.terminated_at = utcnow()
        instance.save()
        instance.destroy()
        _update_usage(manager, ctxt, instance.uuid, node)
        LOG.info("instance %s deleted from %s", instance.uuid, manager.host)


def _update_usage(manager: Any, ctxt: Any, instance_uuid: str, node: str | None) -> None:
    if node:
        manager.rt.abort_claim(ctxt, instance_uuid, node)
        try:
            manager.rt.update_available_resource(ctxt)
        except Exception:
            LOG.exception("resource audit after deleting %s failed", instance_uuid)
