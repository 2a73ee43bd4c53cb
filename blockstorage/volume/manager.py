"""cinder-volume's manager: the worker of one backend, served as host ``host@backend``.

Unlike nova-compute, cinder-volume has the database (as in Cinder): it loads and saves
Volume, Snapshot and VolumeAttachment objects itself. The RPC methods are thin; each
flow lives in its own module (create, delete, extend, snapshot, attach, image) with its
steps and its clean-up side by side. The driver (``volume_driver`` of the backend's
section) does the storage work and returns model updates the flows save.

At start (``init_host``) the driver is set up, volumes and snapshots a crash left in a
transient status are settled, and every volume with an export (``provider_location``)
is re-exported (``ensure_export``), so targets survive a restart of tgtd or of the host.
Every ``backend_stats_polling_interval`` seconds the backend's capacity is fanned out to
cinder-scheduler (``update_service_capabilities``).
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from blockstorage.conf.volume import BackendConfiguration
from blockstorage.volume import attach, create, delete, extend, image
from blockstorage.volume import driver as volume_driver
from blockstorage.volume import exception as driver_exception
from blockstorage.volume import snapshot as snapshot_flow
from blockstorage.volume.states import AttachStatus, SnapshotStatus, VolumeStatus
from blockstorage.volume.volume_utils import apply_model_update, settled_status
from common import rpc
from common.config import CONF
from common.service.manager import Manager
from common.service.periodic_task import periodic_task
from common.service.servicegroup import utcnow

LOG = logging.getLogger(__name__)


def backend_host(backend: str | None, host: str | None = None) -> str:
    """``host@backend`` (Cinder's name of a backend's service), or ``host`` alone."""
    host = host or CONF.host
    return f"{host}@{backend}" if backend else host


class VolumeManager(Manager):
    """Serves ``cinder-volume.<host>@<backend>``. See ``blockstorage.volume.rpcapi``."""

    target = rpc.Target(version="1.1")

    def __init__(
        self,
        host: str | None = None,
        backend: str | None = None,
        driver: Any = None,
        configuration: Any = None,
        scheduler_rpcapi: Any = None,
    ) -> None:
        super().__init__(host=host or backend_host(backend), service_name="volume")
        self.backend = backend
        self.configuration = configuration or BackendConfiguration(backend)
        self.driver = driver or volume_driver.load_volume_driver(self.configuration, self.host)
        self._scheduler_rpcapi = scheduler_rpcapi
        self._locks: dict[str, threading.RLock] = defaultdict(threading.RLock)
        self._locks_guard = threading.Lock()
        self.last_capabilities: dict[str, Any] | None = None

    @property
    def scheduler_rpcapi(self) -> Any:
        if self._scheduler_rpcapi is None:
            from blockstorage.scheduler.rpcapi import SchedulerAPI

            self._scheduler_rpcapi = SchedulerAPI()
        return self._scheduler_rpcapi

    @contextmanager
    def volume_lock(self, volume_id: str) -> Iterator[None]:
        """One operation at a time per volume on this backend (a delete waits for a create)."""
        with self._locks_guard:
            lock = self._locks[volume_id]
        with lock:
            yield

    def require_driver(self) -> None:
        if not self.driver.initialized:
            raise driver_exception.DriverNotInitialized()

    # -- what the database holds for this backend (objects from blockstorage.objects) --
    def volumes_on_host(self, ctxt: Any) -> list[Any]:
        from blockstorage import objects

        return list(objects.VolumeList.get_all_by_host(ctxt, self.host))

    def snapshots_on_host(self, ctxt: Any, volumes: list[Any]) -> list[Any]:
        return [s for v in volumes for s in self.snapshots_of_volume(ctxt, v.id)]

    def get_volume(self, ctxt: Any, volume_id: str) -> Any:
        from blockstorage import objects

        return objects.Volume.get_by_id(ctxt, volume_id)

    def get_snapshot(self, ctxt: Any, snapshot_id: str) -> Any:
        from blockstorage import objects

        return objects.Snapshot.get_by_id(ctxt, snapshot_id)

    def snapshots_of_volume(self, ctxt: Any, volume_id: str) -> list[Any]:
        from blockstorage import objects

        return list(objects.SnapshotList.get_all_for_volume(ctxt, volume_id))

    def get_attachment(self, ctxt: Any, attachment_id: str) -> Any:
        from blockstorage import objects

        return objects.VolumeAttachment.get_by_id(ctxt, attachment_id)

    def new_attachment(
        self, ctxt: Any, volume: Any, instance_uuid: str | None, host_name: str | None, mode: str
    ) -> Any:
        """A VolumeAttachment row for an attach that arrives without a reservation."""
        from blockstorage import objects

        attachment = objects.VolumeAttachment(
            ctxt,
            volume_id=volume.id,
            instance_uuid=instance_uuid,
            attached_host=host_name,
            attach_mode=mode,
            attach_status=AttachStatus.ATTACHING,
        )
        attachment.create()
        return attachment

    # -- life cycle ------------------------------------------------------------------------
    def init_host(self) -> None:
        from common.context import get_admin_context

        ctxt = get_admin_context()
        try:
            self.driver.do_setup(ctxt)
            self.driver.check_for_setup_error()
        except Exception:
            # As in Cinder: the service runs and reports, but refuses volume work
            # (DriverNotInitialized) until a restart finds the backend ready.
            LOG.exception("backend %s failed to initialize; its driver stays down", self.host)
            return
        self.driver.set_initialized()
        self._recover(ctxt)

    def post_start_hook(self) -> None:
        from common.context import get_admin_context

        self._report_driver_status(get_admin_context())

    def _recover(self, ctxt: Any) -> None:
        """Settle what a crash left half-done, and re-export every exported volume."""
        try:
            volumes = self.volumes_on_host(ctxt)
            snapshots = self.snapshots_on_host(ctxt, volumes)
        except Exception:
            LOG.exception("could not list the volumes of %s", self.host)
            return
        for volume in volumes:
            try:
                self._recover_volume(ctxt, volume)
            except Exception:
                LOG.exception("could not recover volume %s", volume.id)
        for snap in snapshots:
            try:
                if snap.status == SnapshotStatus.CREATING:
                    snap.status = SnapshotStatus.ERROR
                    snap.save()
                elif snap.status == SnapshotStatus.DELETING:
                    snapshot_flow.delete_snapshot(self, ctxt, snap)
            except Exception:
                LOG.exception("could not recover snapshot %s", snap.id)

    def _recover_volume(self, ctxt: Any, volume: Any) -> None:
        status = volume.status
        if status in (VolumeStatus.CREATING, VolumeStatus.DOWNLOADING):
            LOG.warning("volume %s was %s when the service stopped: error", volume.id, status)
            volume.status = VolumeStatus.ERROR
            volume.save()
            return
        if status == VolumeStatus.DELETING:
            delete.delete_volume(self, ctxt, volume)
            return
        if status == VolumeStatus.EXTENDING:
            volume.take_transition("extend_failed")
        elif status == VolumeStatus.UPLOADING:
            volume.status = settled_status(volume)
            volume.save()
        if getattr(volume, "provider_location", None):
            model_update = self.driver.ensure_export(ctxt, volume)
            if model_update:
                apply_model_update(volume, model_update)
                volume.save()

    # -- volumes ---------------------------------------------------------------------------
    def create_volume(
        self,
        ctxt: Any,
        volume: Any,
        request_spec: Any = None,
        filter_properties: dict | None = None,
        allow_reschedule: bool = True,
    ) -> None:
        create.create_volume(self, ctxt, volume, request_spec, filter_properties or {})

    def delete_volume(
        self, ctxt: Any, volume: Any, unmanage_only: bool = False, cascade: bool = False
    ) -> None:
        delete.delete_volume(self, ctxt, volume, cascade=cascade)

    def extend_volume(
        self, ctxt: Any, volume: Any, new_size: int, reservations: Any = None
    ) -> None:
        extend.extend_volume(self, ctxt, volume, int(new_size))

    # -- snapshots -------------------------------------------------------------------------
    def create_snapshot(self, ctxt: Any, snapshot: Any, volume: Any = None) -> None:
        if volume is not None:
            snapshot.volume = volume
        snapshot_flow.create_snapshot(self, ctxt, snapshot)

    def delete_snapshot(self, ctxt: Any, snapshot: Any, unmanage_only: bool = False) -> None:
        snapshot_flow.delete_snapshot(self, ctxt, snapshot)

    # -- connections and attachments -------------------------------------------------------
    def initialize_connection(self, ctxt: Any, volume: Any, connector: dict) -> dict:
        return attach.initialize_connection(self, ctxt, volume, connector)

    def terminate_connection(
        self,
        ctxt: Any,
        volume_id: str,
        connector: dict | None,
        force: bool = False,
        volume: Any = None,
    ) -> None:
        volume = volume or self.get_volume(ctxt, volume_id)
        attach.terminate_connection(self, ctxt, volume, connector, force)

    def attachment_update(self, ctxt: Any, vref: Any, connector: dict, attachment_id: str) -> dict:
        return attach.attachment_update(self, ctxt, vref, connector, attachment_id)

    def attachment_delete(self, ctxt: Any, attachment_id: str, vref: Any) -> None:
        attach.attachment_delete(self, ctxt, attachment_id, vref)

    def attach_volume(
        self,
        ctxt: Any,
        volume_id: str,
        instance_uuid: str | None,
        host_name: str | None,
        mountpoint: str,
        mode: str = "rw",
        volume: Any = None,
    ) -> Any:
        volume = volume or self.get_volume(ctxt, volume_id)
        return attach.attach_volume(self, ctxt, volume, instance_uuid, host_name, mountpoint, mode)

    def detach_volume(
        self, ctxt: Any, volume_id: str, attachment_id: str | None = None, volume: Any = None
    ) -> None:
        volume = volume or self.get_volume(ctxt, volume_id)
        attach.detach_volume(self, ctxt, volume, attachment_id)

    # -- images ----------------------------------------------------------------------------
    def copy_volume_to_image(
        self, ctxt: Any, volume_id: str, image_meta: dict, volume: Any = None
    ) -> None:
        volume = volume or self.get_volume(ctxt, volume_id)
        image.copy_volume_to_image(self, ctxt, volume, image_meta)

    # -- capabilities ----------------------------------------------------------------------
    @periodic_task(spacing=lambda: CONF.backend_stats_polling_interval)
    def _report_driver_status(self, ctxt: Any) -> None:
        """Read the backend's capacity and fan it out to every cinder-scheduler."""
        if not self.driver.initialized:
            LOG.warning("backend %s is not initialized; no capabilities to report", self.host)
            return
        stats = dict(self.driver.get_volume_stats(refresh=True))
        for pool in stats.get("pools", []):
            pool.setdefault("allocated_capacity_gb", pool.get("provisioned_capacity_gb", 0))
        self.last_capabilities = stats
        self.publish_service_capabilities(ctxt)

    def publish_service_capabilities(self, ctxt: Any) -> None:
        if self.last_capabilities is None:
            return
        self.scheduler_rpcapi.update_service_capabilities(
            ctxt,
            service_name=self.service_name,
            host=self.host,
            capabilities=self.last_capabilities,
            cluster_name=None,
            timestamp=utcnow().isoformat(),
        )
