"""Deleting an instance on its host: always able to finish, whatever state it was in."""

from __future__ import annotations

import logging
from typing import Any

from common.config import CONF
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


def cleanup_running_deleted_instances(manager: Any, ctxt: Any) -> None:
    """Handle guests whose server is deleted in the database: the API deletes a server
    of a host that is down there alone, so the guest outlives it on this host.
    ``running_deleted_instance_action`` says what to do once the server has been
    deleted for ``running_deleted_instance_timeout`` seconds."""
    from compute import objects

    action = CONF.running_deleted_instance_action
    uuids = manager.driver.list_instance_uuids()
    if action == "noop" or not uuids:
        return
    deleted = objects.InstanceList.get_by_filters(
        ctxt.elevated(read_deleted="yes"),
        {"uuid": uuids, "host": manager.host, "deleted": True, "soft_deleted": False},
    )
    now = utcnow()
    for instance in deleted:
        if instance.deleted_at is not None and (
            (now - instance.deleted_at).total_seconds() < CONF.running_deleted_instance_timeout
        ):
            continue
        if action == "log":
            LOG.warning("guest of deleted instance %s is still on this host", instance.uuid)
            continue
        with manager.instance_lock(instance.uuid):
            if action == "shutdown":
                LOG.info("powering off the guest of deleted instance %s", instance.uuid)
                manager.driver.power_off(instance)
                continue
            LOG.info("destroying the guest of deleted instance %s", instance.uuid)
            manager.driver.destroy(ctxt, instance)
            _update_usage(manager, ctxt, instance.uuid, instance.node)
