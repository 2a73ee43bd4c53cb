"""nova-compute's manager: the worker on each hypervisor host.

It has no database access: every object method it calls runs in nova-conductor. The
RPC methods are thin: each long flow lives in its own module (build, power, delete,
resize) with its steps and its clean-up side by side.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from common import rpc
from common.config import CONF
from common.service.manager import Manager
from common.service.periodic_task import periodic_task
from common.service.servicegroup import utcnow
from compute import exception
from compute.conductor.rpcapi import ComputeTaskAPI
from compute.instance_events import add_instance_fault, event_reporter
from compute.states import Action, PowerState, TaskState, VmState
from compute.virt import driver as virt_driver
from compute.worker import build, delete, power, resize
from compute.worker.resource_tracker import ResourceTracker
from compute.worker.rpcapi import ComputeAPI

LOG = logging.getLogger(__name__)


def _update_resources_spacing() -> float:
    value = CONF.update_resources_interval
    return float(CONF.periodic_interval if value == 0 else value)


class ComputeManager(Manager):
    """Serves ``compute`` and ``compute.<host>``. See ``compute.worker.rpcapi``."""

    target = rpc.Target(version="1.1")

    def __init__(self, host: str | None = None, driver: Any = None) -> None:
        super().__init__(host=host, service_name="compute")
        self.driver = driver or virt_driver.load_compute_driver(CONF.compute_driver)
        self.rt = ResourceTracker(self.host, self.driver)
        self.compute_task_api = ComputeTaskAPI()
        self.compute_rpcapi = ComputeAPI()
        self._locks: dict[str, threading.RLock] = defaultdict(threading.RLock)
        self._locks_guard = threading.Lock()

    @contextmanager
    def instance_lock(self, instance_uuid: str) -> Iterator[None]:
        """One action at a time per instance on this host (a delete waits for a build)."""
        with self._locks_guard:
            lock = self._locks[instance_uuid]
        with lock:
            yield

    def default_node(self) -> str:
        return self.driver.get_available_nodes()[0]

    # -- life cycle ------------------------------------------------------------------
    def init_host(self) -> None:
        self.driver.init_host(self.host)

    def post_start_hook(self) -> None:
        """Report the node's resources now, and finish what a crash left half-done."""
        from common.context import get_admin_context

        ctxt = get_admin_context()
        self.rt.update_available_resource(ctxt)
        self._recover_instances(ctxt)

    def cleanup_host(self) -> None:
        self.driver.cleanup_host(self.host)

    def _recover_instances(self, ctxt: Any) -> None:
        from compute import objects

        for instance in objects.InstanceList.get_by_host(ctxt, self.host):
            try:
                if instance.task_state == TaskState.DELETING:
                    LOG.info("finishing the delete of %s interrupted by a restart", instance.uuid)
                    delete.terminate_instance(self, ctxt, instance)
                elif instance.vm_state == VmState.BUILDING:
                    exc = exception.BuildAbortException(
                        instance_uuid=instance.uuid,
                        reason="the compute service restarted during the build",
                    )
                    build._destroy_quietly(self, ctxt, instance)
                    build._set_error(ctxt, instance, exc, self.host)
                elif instance.task_state is not None and instance.vm_state != VmState.RESIZED:
                    instance.power_state = self._power_state(instance)
                    instance.task_state = None
                    instance.save()
            except Exception:
                LOG.exception("could not recover instance %s", instance.uuid)

    def _power_state(self, instance: Any) -> int:
        try:
            return int(self.driver.get_info(instance).state)
        except exception.InstanceNotFound:
            return int(PowerState.NOSTATE)

    # -- build and delete ------------------------------------------------------------
    def build_and_run_instance(
        self,
        ctxt: Any,
        instance: Any,
        node: str | None,
        image: dict,
        request_spec: Any,
        admin_password: str | None = None,
        injected_files: list | None = None,
        limits: dict | None = None,
    ) -> None:
        build.build_and_run_instance(
            self,
            ctxt,
            instance,
            node,
            image,
            request_spec,
            admin_password,
            injected_files or [],
            limits or {},
        )

    def terminate_instance(self, ctxt: Any, instance: Any) -> None:
        delete.terminate_instance(self, ctxt, instance)

    # -- power -----------------------------------------------------------------------
    def reboot_instance(self, ctxt: Any, instance: Any, reboot_type: str) -> None:
        action = Action.REBOOT_HARD if reboot_type.upper() == "HARD" else Action.REBOOT
        power.run_power_action(self, ctxt, instance, action)

    def stop_instance(self, ctxt: Any, instance: Any, clean_shutdown: bool = True) -> None:
        power.run_power_action(self, ctxt, instance, Action.STOP)

    def start_instance(self, ctxt: Any, instance: Any) -> None:
        power.run_power_action(self, ctxt, instance, Action.START)

    def pause_instance(self, ctxt: Any, instance: Any) -> None:
        power.run_power_action(self, ctxt, instance, Action.PAUSE)

    def unpause_instance(self, ctxt: Any, instance: Any) -> None:
        power.run_power_action(self, ctxt, instance, Action.UNPAUSE)

    def suspend_instance(self, ctxt: Any, instance: Any) -> None:
        power.run_power_action(self, ctxt, instance, Action.SUSPEND)

    def resume_instance(self, ctxt: Any, instance: Any) -> None:
        power.run_power_action(self, ctxt, instance, Action.RESUME)

    # -- rebuild, resize, snapshot, console ------------------------------------------
    def rebuild_instance(
        self,
        ctxt: Any,
        instance: Any,
        image_ref: str,
        orig_image_ref: str,
        image: dict,
        admin_password: str | None = None,
        preserve_ephemeral: bool = False,
    ) -> None:
        """Same host, same flavor, new image: the guest is recreated from scratch."""
        with (
            self.instance_lock(instance.uuid),
            event_reporter(ctxt, "compute_rebuild_instance", instance.uuid, self.host),
        ):
            was_stopped = instance.vm_state == VmState.STOPPED
            try:
                self.driver.destroy(ctxt, instance)
                instance.image_ref = image_ref
                instance.task_state = TaskState.REBUILD_SPAWNING
                instance.save(expected_task_state=TaskState.REBUILDING)
                self.driver.spawn(ctxt, instance, image, [], admin_password)
                if was_stopped:
                    self.driver.power_off(instance)
                instance.power_state = self._power_state(instance)
                instance.vm_state = VmState.STOPPED if was_stopped else VmState.ACTIVE
                instance.task_state = None
                instance.launched_at = utcnow()
                instance.save(expected_task_state=TaskState.REBUILD_SPAWNING)
            except (exception.InstanceNotFound, exception.UnexpectedDeletingTaskStateError):
                return
            except Exception as exc:
                build._set_error(ctxt, instance, exc, self.host)
                raise

    def prep_resize(
        self,
        ctxt: Any,
        instance: Any,
        node: str | None,
        flavor: Any,
        image: dict,
        request_spec: Any,
    ) -> None:
        resize.prep_resize(self, ctxt, instance, node, flavor, image, request_spec)

    def resize_instance(
        self, ctxt: Any, instance: Any, migration: dict, flavor: Any, image: dict
    ) -> None:
        resize.resize_instance(self, ctxt, instance, migration, flavor, image)

    def finish_resize(self, ctxt: Any, instance: Any, migration: dict, image: dict) -> None:
        resize.finish_resize(self, ctxt, instance, migration, image)

    def confirm_resize(self, ctxt: Any, instance: Any, migration: dict) -> None:
        resize.confirm_resize(self, ctxt, instance, migration)

    def revert_resize(self, ctxt: Any, instance: Any, migration: dict) -> None:
        resize.revert_resize(self, ctxt, instance, migration)

    def finish_revert_resize(self, ctxt: Any, instance: Any, migration: dict) -> None:
        resize.finish_revert_resize(self, ctxt, instance, migration)

    def snapshot_instance(self, ctxt: Any, instance: Any, image_id: str) -> None:
        with (
            self.instance_lock(instance.uuid),
            event_reporter(ctxt, "compute_snapshot_instance", instance.uuid, self.host),
        ):

            def update_task_state(task_state: str, expected_state: str | None = None) -> None:
                instance.task_state = task_state
                instance.save(expected_task_state=expected_state or TaskState.IMAGE_SNAPSHOT)

            try:
                self.driver.snapshot(ctxt, instance, image_id, update_task_state)
                self._finish_snapshot_image(ctxt, image_id)
            except Exception as exc:
                add_instance_fault(ctxt, instance, exc, self.host)
                LOG.warning("snapshot of %s failed: %s", instance.uuid, exc)
            finally:
                instance.task_state = None
                try:
                    instance.save()
                except exception.InstanceNotFound:
                    pass

    def _finish_snapshot_image(self, ctxt: Any, image_id: str) -> None:
        """Mark the image the API queued as active once the driver stored the data."""
        from compute.image import api as image_api

        service = image_api.get_image_service()
        service.update(ctxt, image_id, {"status": "active"})

    def get_console_output(self, ctxt: Any, instance: Any, tail_length: int | None) -> str:
        output = self.driver.get_console_output(ctxt, instance)
        if tail_length is not None:
            output = "\n".join(output.splitlines()[-int(tail_length) :])
        return output

    # -- periodic tasks --------------------------------------------------------------
    @periodic_task(spacing=_update_resources_spacing)
    def _update_available_resource(self, ctxt: Any) -> None:
        self.rt.update_available_resource(ctxt)

    @periodic_task(spacing=lambda: CONF.sync_power_state_interval)
    def _sync_power_states(self, ctxt: Any) -> None:
        power.sync_power_states(self, ctxt)

    @periodic_task(spacing=lambda: CONF.running_deleted_instance_poll_interval)
    def _cleanup_running_deleted_instances(self, ctxt: Any) -> None:
        delete.cleanup_running_deleted_instances(self, ctxt)

    @periodic_task(spacing=lambda: min(60, CONF.instance_build_timeout or -1))
    def _check_instance_build_time(self, ctxt: Any) -> None:
        """Put instances stuck in BUILD longer than ``instance_build_timeout`` in ERROR."""
        from compute import objects

        timeout = CONF.instance_build_timeout
        if not timeout:
            return
        now = utcnow()
        for instance in objects.InstanceList.get_by_host(ctxt, self.host):
            if instance.vm_state != VmState.BUILDING or instance.created_at is None:
                continue
            if (now - instance.created_at).total_seconds() < timeout:
                continue
            LOG.warning("instance %s stuck in BUILD for over %ss", instance.uuid, timeout)
            exc = exception.InstanceBuildTimeout(instance_uuid=instance.uuid, timeout=timeout)
            # Not under the instance lock: the build holds it while the driver spawns,
            # so waiting for it would keep the server in BUILD until the spawn ends.
            # ERROR first (only if still building), then destroying the guest stops the
            # spawn, and the build sees the guest gone and releases its claim.
            if build._set_error(ctxt, instance, exc, self.host, expected_vm_state=VmState.BUILDING):
                build._destroy_quietly(self, ctxt, instance)
