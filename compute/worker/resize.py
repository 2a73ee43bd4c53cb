"""Resize (cold migration to a new flavor), across two hosts or on one.

prep_resize (destination: claim the new flavor) -> resize_instance (source: power off,
hand over the disks) -> finish_resize (destination: start with the new flavor; vm_state
RESIZED, status VERIFY_RESIZE) -> confirm_resize (source: drop the old guest) or
revert_resize (destination: drop the new guest) -> finish_revert_resize (source: start
the old guest again). Where the instance came from is kept in its system_metadata, so a
confirm or revert days later still knows both hosts.
"""

from __future__ import annotations

import logging
from typing import Any

from compute.instance_events import add_instance_fault, event_reporter
from compute.states import TaskState, VmState

LOG = logging.getLogger(__name__)

SOURCE_HOST = "resize_source_host"
SOURCE_NODE = "resize_source_node"
DEST_HOST = "resize_dest_host"
DEST_NODE = "resize_dest_node"
OLD_VM_STATE = "resize_old_vm_state"


def migration_of(instance: Any) -> dict[str, str]:
    meta = instance.system_metadata
    return {key: meta.get(key) for key in (SOURCE_HOST, SOURCE_NODE, DEST_HOST, DEST_NODE)}


def prep_resize(
    manager: Any,
    ctxt: Any,
    instance: Any,
    node: str | None,
    flavor: Any,
    image: dict,
    request_spec: Any,
) -> None:
    node = node or manager.default_node()
    with (
        manager.instance_lock(instance.uuid),
        event_reporter(ctxt, "compute_prep_resize", instance.uuid, manager.host),
    ):
        try:
            with manager.rt.instance_claim(ctxt, instance, node, flavor=flavor):
                meta = dict(instance.system_metadata)
                meta.update(
                    {
                        SOURCE_HOST: instance.host,
                        SOURCE_NODE: instance.node,
                        DEST_HOST: manager.host,
                        DEST_NODE: node,
                        OLD_VM_STATE: str(instance.vm_state),
                    }
                )
                instance.system_metadata = meta
                instance.new_flavor = flavor
                instance.old_flavor = instance.flavor
                instance.task_state = TaskState.RESIZE_MIGRATING
                instance.save(expected_task_state=TaskState.RESIZE_PREP)
        except Exception as exc:
            _fail(ctxt, instance, exc, manager.host)
            raise
    manager.compute_rpcapi.resize_instance(ctxt, instance, migration_of(instance), flavor, image)


def resize_instance(
    manager: Any, ctxt: Any, instance: Any, migration: dict, flavor: Any, image: dict
) -> None:
    with (
        manager.instance_lock(instance.uuid),
        event_reporter(ctxt, "compute_resize_instance", instance.uuid, manager.host),
    ):
        try:
            disk_info = manager.driver.migrate_disk_and_power_off(
                ctxt, instance, migration[DEST_HOST], flavor, None
            )
            instance.task_state = TaskState.RESIZE_MIGRATED
            meta = dict(instance.system_metadata)
            meta["resize_disk_info"] = disk_info or ""
            instance.system_metadata = meta
            instance.save(expected_task_state=TaskState.RESIZE_MIGRATING)
        except Exception as exc:
            _fail(ctxt, instance, exc, manager.host)
            raise
    manager.compute_rpcapi.finish_resize(ctxt, instance, migration[DEST_HOST], migration, image)


def finish_resize(manager: Any, ctxt: Any, instance: Any, migration: dict, image: dict) -> None:
    with (
        manager.instance_lock(instance.uuid),
        event_reporter(ctxt, "compute_finish_resize", instance.uuid, manager.host),
    ):
        try:
            instance.task_state = TaskState.RESIZE_FINISH
            instance.save(expected_task_state=TaskState.RESIZE_MIGRATED)
            new_flavor = instance.new_flavor
            instance.flavor = new_flavor
            instance.memory_mb = new_flavor.memory_mb
            instance.vcpus = new_flavor.vcpus
            instance.root_gb = new_flavor.root_gb
            instance.ephemeral_gb = new_flavor.ephemeral_gb
            instance.instance_type_id = new_flavor.id
            instance.host = migration[DEST_HOST]
            instance.node = migration[DEST_NODE]
            was_stopped = instance.system_metadata.get(OLD_VM_STATE) == VmState.STOPPED
            manager.driver.finish_migration(
                ctxt,
                migration,
                instance,
                instance.system_metadata.get("resize_disk_info", ""),
                None,
                image,
                True,
                power_on=not was_stopped,
            )
            instance.power_state = manager.driver.get_info(instance).state
            instance.vm_state = VmState.RESIZED
            instance.task_state = None
            instance.save(expected_task_state=TaskState.RESIZE_FINISH)
        except Exception as exc:
            _fail(ctxt, instance, exc, manager.host)
            raise
    manager.rt.update_available_resource(ctxt)


def confirm_resize(manager: Any, ctxt: Any, instance: Any, migration: dict) -> None:
    """On the source host: the user keeps the new flavor; the old guest goes."""
    with (
        manager.instance_lock(instance.uuid),
        event_reporter(ctxt, "compute_confirm_resize", instance.uuid, manager.host),
    ):
        manager.driver.confirm_migration(ctxt, migration, instance, None)
        old_state = instance.system_metadata.get(OLD_VM_STATE)
        instance.vm_state = VmState.STOPPED if old_state == VmState.STOPPED else VmState.ACTIVE
        instance.task_state = None
        instance.old_flavor = None
        instance.new_flavor = None
        instance.system_metadata = _without_migration(instance.system_metadata)
        instance.save()
    manager.rt.update_available_resource(ctxt)


def revert_resize(manager: Any, ctxt: Any, instance: Any, migration: dict) -> None:
    """On the destination host: drop the new guest, then let the source restart the old."""
    with (
        manager.instance_lock(instance.uuid),
        event_reporter(ctxt, "compute_revert_resize", instance.uuid, manager.host),
    ):
        if migration[SOURCE_HOST] != migration[DEST_HOST]:
            manager.driver.destroy(ctxt, instance, destroy_disks=True)
        old_flavor = instance.old_flavor
        instance.flavor = old_flavor
        instance.memory_mb = old_flavor.memory_mb
        instance.vcpus = old_flavor.vcpus
        instance.root_gb = old_flavor.root_gb
        instance.ephemeral_gb = old_flavor.ephemeral_gb
        instance.instance_type_id = old_flavor.id
        instance.host = migration[SOURCE_HOST]
        instance.node = migration[SOURCE_NODE]
        instance.save(expected_task_state=TaskState.RESIZE_REVERTING)
    manager.rt.update_available_resource(ctxt)
    manager.compute_rpcapi.finish_revert_resize(ctxt, instance, migration[SOURCE_HOST], migration)


def finish_revert_resize(manager: Any, ctxt: Any, instance: Any, migration: dict) -> None:
    with (
        manager.instance_lock(instance.uuid),
        event_reporter(ctxt, "compute_finish_revert_resize", instance.uuid, manager.host),
    ):
        was_stopped = instance.system_metadata.get(OLD_VM_STATE) == VmState.STOPPED
        manager.driver.finish_revert_migration(
            ctxt, instance, None, migration, power_on=not was_stopped
        )
        instance.power_state = manager.driver.get_info(instance).state
        instance.vm_state = VmState.STOPPED if was_stopped else VmState.ACTIVE
        instance.task_state = None
        instance.old_flavor = None
        instance.new_flavor = None
        instance.system_metadata = _without_migration(instance.system_metadata)
        instance.save(expected_task_state=TaskState.RESIZE_REVERTING)
    manager.rt.update_available_resource(ctxt)


def _without_migration(meta: dict[str, str]) -> dict[str, str]:
    drop = {SOURCE_HOST, SOURCE_NODE, DEST_HOST, DEST_NODE, OLD_VM_STATE, "resize_disk_info"}
    return {k: v for k, v in meta.items() if k not in drop}


def _fail(ctxt: Any, instance: Any, exc: Exception, host: str) -> None:
    """A failed resize step leaves the instance in ERROR with a fault (as Nova does)."""
    add_instance_fault(ctxt, instance, exc, host)
    instance.vm_state = VmState.ERROR
    instance.task_state = None
    try:
        instance.save()
    except Exception:
        LOG.exception("could not mark instance %s in error", instance.uuid)
