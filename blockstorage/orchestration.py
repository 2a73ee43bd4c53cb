"""The block storage service's Python API: what cinder-api's controllers call.

Cinder calls this ``volume/api.py``.  Each operation follows the same steps:

1. the volume (snapshot, attachment) is found in the caller's project (another
   project's does not exist);
2. its status moves by a compare-and-swap in the database, from the statuses that
   ``blockstorage.volume.states.TRANSITIONS`` allows (of two concurrent requests one
   wins; the other gets Cinder's ``InvalidVolume`` 400);
3. quotas are counted and checked under a per-project lock in the same transaction
   that creates the row or grows the volume (413 ``overLimit`` when over);
4. the work is cast (or, for connection info, called) to cinder-scheduler or to the
   volume's cinder-volume under the method name its manager implements.
"""

from __future__ import annotations

import logging
import uuid as uuidlib
from typing import Any

from blockstorage import conf as _conf  # noqa: F401  (registers the options read here)
from blockstorage import exception, objects
from blockstorage.volume.states import (
    DELETABLE,
    AttachStatus,
    SnapshotStatus,
    VolumeStatus,
)
from common.config import CONF
from common.context import RequestContext

LOG = logging.getLogger(__name__)

VOLUME_BINARY = "cinder-volume"
DELETE_REFUSED = (
    "Volume status must be available or error or error_restoring or error_extending or "
    "error_managing and must not be migrating, attached, belong to a group, have "
    "snapshots, awaiting a transfer, or be disassociated from snapshots after volume "
    "transfer."
)


def or_str(values: Any) -> str:
    """``('available', 'in-use')`` -> ``"available or in-use"`` (Cinder's wording)."""
    if isinstance(values, str):
        return values
    return " or ".join(str(v) for v in values)


def is_uuid_like(value: Any) -> bool:
    try:
        return str(uuidlib.UUID(str(value))) == str(value).lower()
    except (TypeError, ValueError, AttributeError):
        return False


class API:
    """The volume API: one method per user action."""

    def __init__(self, transport: Any = None) -> None:
        self._transport = transport
        self._scheduler_rpcapi: Any = None
        self._volume_rpcapi: Any = None

    @property
    def scheduler_rpcapi(self) -> Any:
        if self._scheduler_rpcapi is None:
            from blockstorage.scheduler import rpcapi

            self._scheduler_rpcapi = rpcapi.SchedulerAPI(self._transport)
        return self._scheduler_rpcapi

    @property
    def volume_rpcapi(self) -> Any:
        if self._volume_rpcapi is None:
            from blockstorage.volume import rpcapi

            self._volume_rpcapi = rpcapi.VolumeAPI(self._transport)
        return self._volume_rpcapi

    # -- zones and types ------------------------------------------------------------------
    def list_availability_zones(self, ctxt: RequestContext) -> list[dict[str, Any]]:
        """Zones of the cinder-volume services: available when any of its services is
        enabled (Cinder does not look at heartbeats here)."""
        zones: dict[str, bool] = {}
        for service in objects.ServiceList.get_by_binary(ctxt.elevated(), VOLUME_BINARY):
            name = service.availability_zone or CONF.storage_availability_zone
            zones[name] = zones.get(name, False) or not service.disabled
        return [{"name": name, "available": up} for name, up in sorted(zones.items())]

    def default_volume_type(self, ctxt: RequestContext) -> Any:
        return objects.VolumeType.get_by_name(ctxt.elevated(), CONF.default_volume_type)

    def _check_zone(self, ctxt: RequestContext, zone: str | None) -> str:
        zone = zone or CONF.default_availability_zone or CONF.storage_availability_zone
        known = [z["name"] for z in self.list_availability_zones(ctxt)]
        if zone in known:
            return zone
        if CONF.allow_availability_zone_fallback:
            fallback = CONF.default_availability_zone or CONF.storage_availability_zone
            LOG.warning("Availability zone %s is unknown; using %s", zone, fallback)
            return fallback
        raise exception.InvalidAvailabilityZone(az=zone)

    # -- volumes: reading -----------------------------------------------------------------
    def get(self, ctxt: RequestContext, volume_id: str) -> Any:
        if not is_uuid_like(volume_id):
            raise exception.VolumeNotFound(volume_id=volume_id)
        return objects.Volume.get_by_id(ctxt, volume_id)

    def get_all(
        self,
        ctxt: RequestContext,
        marker: str | None = None,
        limit: int | None = None,
        sort_keys: list[str] | None = None,
        sort_dirs: list[str] | None = None,
        filters: dict[str, Any] | None = None,
        offset: int | None = None,
    ) -> Any:
        """The project's volumes; an admin asking ``all_tenants`` sees every project's
        (and may filter on ``project_id``)."""
        filters = dict(filters or {})
        all_tenants = str(filters.pop("all_tenants", "")).lower() in ("1", "true", "yes", "t")
        if ctxt.is_admin and all_tenants:
            return objects.VolumeList.get_all(
                ctxt, marker, limit, sort_keys, sort_dirs, filters, offset
            )
        filters.pop("project_id", None)
        return objects.VolumeList.get_all_by_project(
            ctxt, ctxt.project_id, marker, limit, sort_keys, sort_dirs, filters, offset
        )

    def get_volume_summary(self, ctxt: RequestContext, all_tenants: bool) -> tuple[int, int]:
        return objects.VolumeList.get_volume_summary(
            ctxt, project_only=not (ctxt.is_admin and all_tenants)
        )

    # -- volumes: create ------------------------------------------------------------------
    def create(
        self,
        ctxt: RequestContext,
        size: Any,
        name: str | None,
        description: str | None,
        snapshot: Any = None,
        image_id: str | None = None,
        volume_type: Any = None,
        metadata: dict[str, str] | None = None,
        availability_zone: str | None = None,
        source_volume: Any = None,
        multiattach: bool = False,
        scheduler_hints: dict[str, Any] | None = None,
    ) -> Any:
        """Insert the volume (``creating``) within quota and cast it to the scheduler."""
        if size is None and snapshot is not None:
            size = snapshot.volume_size
        if size is None and source_volume is not None:
            size = source_volume.size
        try:
            size = int(size)
        except (TypeError, ValueError):
            size = None
        if size is None or size <= 0:
            raise exception.InvalidInput(
                reason=f"Volume size '{size}' must be an integer and greater than 0"
            )
        resource_backend = None
        if snapshot is not None:
            if snapshot.status != SnapshotStatus.AVAILABLE:
                raise exception.InvalidSnapshot(
                    reason="Originating snapshot status must be 'available' to create a volume"
                )
            if size < (snapshot.volume_size or 0):
                raise exception.InvalidInput(
                    reason=f"Volume size '{size}'GB cannot be smaller than the snapshot size "
                    f"{snapshot.volume_size}GB. They must be >= original snapshot size."
                )
            source = snapshot.volume
            availability_zone = self._same_zone(availability_zone, source, "snapshot")
            volume_type = volume_type or source.volume_type
            if CONF.snapshot_same_host:
                resource_backend = source.backend
        if source_volume is not None:
            if source_volume.status == VolumeStatus.ERROR:
                raise exception.InvalidVolume(
                    reason="Unable to clone volumes that are in an error state"
                )
            if size < (source_volume.size or 0):
                raise exception.InvalidInput(
                    reason=f"Volume size '{size}'GB cannot be smaller than original volume size "
                    f"{source_volume.size}GB. They must be >= original volume size."
                )
            availability_zone = self._same_zone(availability_zone, source_volume, "source volume")
            volume_type = volume_type or source_volume.volume_type
            resource_backend = source_volume.backend
        image_meta: dict[str, Any] = {}
        if image_id is not None:
            image_meta = self._check_image(ctxt, image_id, size)
        zone = self._check_zone(ctxt, availability_zone)
        volume_type = volume_type or self.default_volume_type(ctxt)
        volume = objects.Volume(
            ctxt,
            user_id=ctxt.user_id,
            project_id=ctxt.project_id,
            size=size,
            availability_zone=zone,
            status=VolumeStatus.CREATING.value,
            attach_status=AttachStatus.DETACHED.value,
            display_name=name,
            display_description=description,
            volume_type_id=volume_type.id,
            volume_type=volume_type,
            snapshot_id=snapshot.id if snapshot is not None else None,
            source_volid=source_volume.id if source_volume is not None else None,
            metadata=dict(metadata or {}),
            multiattach=bool(multiattach),
            bootable=False,
            replication_status="disabled",
        )
        volume.create_with_quota()
        spec = objects.RequestSpec(
            ctxt,
            volume_id=volume.id,
            snapshot_id=volume.snapshot_id,
            image_id=image_id,
            source_volid=volume.source_volid,
            volume=volume,
            volume_type=volume_type,
            volume_properties={
                "size": size,
                "availability_zone": zone,
                "project_id": ctxt.project_id,
                "user_id": ctxt.user_id,
                "multiattach": bool(multiattach),
                "image_size": image_meta.get("size"),
            },
            availability_zones=[],
            resource_backend=resource_backend,
            operation="create_volume",
            retry=None,
            scheduler_hints=dict(scheduler_hints or {}),
        )
        LOG.info("Volume %s (%s GB) created in the database; scheduling", volume.id, size)
        self.scheduler_rpcapi.create_volume(
            ctxt,
            volume,
            snapshot_id=volume.snapshot_id,
            image_id=image_id,
            request_spec=spec,
            filter_properties={},
        )
        return volume

    @staticmethod
    def _same_zone(requested: str | None, source: Any, what: str) -> str:
        if requested and requested != source.availability_zone:
            raise exception.InvalidInput(
                reason=f"Volume must be in the same availability zone as the {what}"
            )
        return source.availability_zone

    def _check_image(self, ctxt: RequestContext, image_id: str, size: int) -> dict[str, Any]:
        from blockstorage.volume import image_utils

        try:
            meta = image_utils.get_image_service().show(ctxt, image_id)
        except exception.NotFound:
            raise exception.ImageNotFound(image_id=image_id) from None
        if meta.get("status") != "active":
            raise exception.InvalidInput(reason=f"Image {image_id} is not active.")
        gib = 1024**3
        image_size = int(meta.get("size") or 0)
        image_gb = (image_size + gib - 1) // gib
        if image_gb > size:
            raise exception.InvalidInput(
                reason=f"Size of specified image {image_gb}GB is larger than volume size {size}GB."
            )
        min_disk = int(meta.get("min_disk") or 0)
        if min_disk > size:
            raise exception.InvalidInput(
                reason=f"Volume size {size}GB cannot be smaller than the image minDisk size "
                f"{min_disk}GB."
            )
        return meta

    # -- volumes: change ------------------------------------------------------------------
    def update(self, ctxt: RequestContext, volume: Any, fields: dict[str, Any]) -> Any:
        if volume.status == VolumeStatus.MAINTENANCE:
            raise exception.InvalidVolume(reason="The volume cannot be updated during maintenance.")
        for key, value in fields.items():
            setattr(volume, key, value)
        volume.save()
        return volume

    def delete(
        self, ctxt: RequestContext, volume: Any, force: bool = False, cascade: bool = False
    ) -> None:
        """Delete: at once when no backend ever got the volume, else ``deleting`` and a
        cast to its cinder-volume."""
        if not volume.host:
            LOG.info("Deleting volume %s that has no backend", volume.id)
            volume.destroy()
            return
        expected: dict[str, Any] = {
            "migration_status": [None, "deleting", "error", "success"],
            "group_id": None,
        }
        if not force:
            expected["status"] = [s.value for s in DELETABLE]
        done = volume.conditional_update(
            {"status": VolumeStatus.DELETING.value, "previous_status": volume.status},
            expected,
            no_snapshots=not cascade,
            not_attached=True,
        )
        if not done:
            raise exception.InvalidVolume(reason=DELETE_REFUSED)
        self.volume_rpcapi.delete_volume(ctxt, volume, cascade=cascade)

    def extend(self, ctxt: RequestContext, volume: Any, new_size: int) -> None:
        if new_size <= (volume.size or 0):
            raise exception.InvalidInput(
                reason="New size for extend must be greater than current size. (current: "
                f"{volume.size}, extended: {new_size})."
            )
        refused = exception.InvalidVolume(
            reason=f"Volume {volume.id} status must be available to extend, but current "
            f"status is: {volume.status}."
        )
        if volume.status != VolumeStatus.AVAILABLE or not volume.begin_extend(new_size):
            raise refused
        self.volume_rpcapi.extend_volume(ctxt, volume, new_size, None)

    # -- the legacy attach flow -----------------------------------------------------------
    def reserve_volume(self, ctxt: RequestContext, volume: Any) -> None:
        statuses = ("available", "in-use") if volume.multiattach else ("available",)
        done = volume.conditional_update(
            {"status": VolumeStatus.ATTACHING.value},
            {"multiattach": volume.multiattach, "status": list(statuses)},
        )
        if not done:
            raise exception.InvalidVolume(
                reason=f"Volume status must be {or_str(statuses)} to reserve, but the status "
                f"is {volume.status}."
            )

    def unreserve_volume(self, ctxt: RequestContext, volume: Any) -> None:
        attached = any(a.attach_status == AttachStatus.ATTACHED for a in volume.volume_attachment)
        target = VolumeStatus.IN_USE if attached else VolumeStatus.AVAILABLE
        if not volume.conditional_update(
            {"status": target.value}, {"status": VolumeStatus.ATTACHING.value}
        ):
            LOG.debug("Volume %s was not reserved; nothing to undo", volume.id)

    def begin_detaching(self, ctxt: RequestContext, volume: Any) -> None:
        done = volume.conditional_update(
            {"status": VolumeStatus.DETACHING.value},
            {
                "status": VolumeStatus.IN_USE.value,
                "attach_status": AttachStatus.ATTACHED.value,
                "migration_status": [None, "deleting", "error", "success"],
            },
        )
        if not done:
            raise exception.InvalidVolume(
                reason="Unable to detach volume. Volume status must be 'in-use' and "
                "attach_status must be 'attached' to detach."
            )

    def roll_detaching(self, ctxt: RequestContext, volume: Any) -> None:
        volume.conditional_update(
            {"status": VolumeStatus.IN_USE.value}, {"status": VolumeStatus.DETACHING.value}
        )

    def _not_in_maintenance(self, volume: Any, what: str) -> None:
        if volume.status == VolumeStatus.MAINTENANCE:
            raise exception.InvalidVolume(reason=f"The volume {what} in maintenance mode.")

    def attach(
        self,
        ctxt: RequestContext,
        volume: Any,
        instance_uuid: str | None,
        host_name: str | None,
        mountpoint: str,
        mode: str,
    ) -> Any:
        self._not_in_maintenance(volume, "cannot be attached")
        if volume.admin_metadata.get("readonly") == "True" and mode != "ro":
            raise exception.InvalidVolumeAttachMode(mode=mode, volume_id=volume.id)
        return self.volume_rpcapi.attach_volume(
            ctxt, volume, instance_uuid, host_name, mountpoint, mode
        )

    def detach(self, ctxt: RequestContext, volume: Any, attachment_id: str | None) -> None:
        self._not_in_maintenance(volume, "cannot be detached")
        self.volume_rpcapi.detach_volume(ctxt, volume, attachment_id)

    def initialize_connection(
        self, ctxt: RequestContext, volume: Any, connector: dict[str, Any]
    ) -> dict[str, Any]:
        self._not_in_maintenance(volume, "connection cannot be initialized")
        return self.volume_rpcapi.initialize_connection(ctxt, volume, connector)

    def terminate_connection(
        self,
        ctxt: RequestContext,
        volume: Any,
        connector: dict[str, Any] | None,
        force: bool = False,
    ) -> None:
        self.volume_rpcapi.terminate_connection(ctxt, volume, connector, force)
        self.unreserve_volume(ctxt, volume)

    def update_readonly_flag(self, ctxt: RequestContext, volume: Any, flag: bool) -> None:
        if volume.status == VolumeStatus.MAINTENANCE:
            raise exception.InvalidVolume(reason="The volume cannot be updated during maintenance.")
        volume.admin_metadata = {**volume.admin_metadata, "readonly": str(bool(flag))}
        volume.save()

    def reset_status(
        self,
        ctxt: RequestContext,
        volume: Any,
        status: str | None,
        attach_status: str | None,
        migration_status: str | None,
    ) -> None:
        """Admin: set the columns as given (no transition check: that is the point)."""
        if status:
            volume.status = status
        if attach_status:
            volume.attach_status = attach_status
            if attach_status == AttachStatus.DETACHED:
                for attachment in volume.volume_attachment:
                    volume.finish_detach(attachment.id)
        if migration_status:
            volume.migration_status = None if migration_status == "none" else migration_status
        volume.save()

    def force_detach(
        self,
        ctxt: RequestContext,
        volume: Any,
        attachment_id: str | None,
        connector: dict[str, Any] | None,
    ) -> None:
        self.volume_rpcapi.terminate_connection(ctxt, volume, connector, force=True)
        self.volume_rpcapi.detach_volume(ctxt, volume, attachment_id)

    def copy_volume_to_image(
        self, ctxt: RequestContext, volume: Any, metadata: dict[str, Any], force: bool = False
    ) -> dict[str, Any]:
        """Register a queued image, move the volume to ``uploading`` and cast the upload
        to its backend; returns the image's metadata."""
        allowed = ("available", "in-use") if force else ("available",)
        if volume.status not in allowed:
            raise exception.InvalidVolume(
                reason=f"Volume {volume.id} status must be available or in-use, but current "
                f"status is: {volume.status}." if force else
                f"Volume {volume.id} status must be available, but current status is: "
                f"{volume.status}."
            )  # fmt: skip
        from blockstorage.volume import image_utils

        images = image_utils.get_image_service()
        image = images.create(ctxt, metadata)
        done = volume.conditional_update(
            {"status": VolumeStatus.UPLOADING.value, "previous_status": volume.status},
            {"status": list(allowed)},
        )
        if not done:
            images.delete(ctxt, image["id"])
            raise exception.InvalidVolume(
                reason=f"Volume {volume.id} status changed while the upload was requested."
            )
        self.volume_rpcapi.copy_volume_to_image(ctxt, volume, dict(image))
        return image

    # -- snapshots ------------------------------------------------------------------------
    def get_snapshot(self, ctxt: RequestContext, snapshot_id: str) -> Any:
        if not is_uuid_like(snapshot_id):
            raise exception.SnapshotNotFound(snapshot_id=snapshot_id)
        return objects.Snapshot.get_by_id(ctxt, snapshot_id)

    def get_all_snapshots(
        self,
        ctxt: RequestContext,
        filters: dict[str, Any] | None = None,
        marker: str | None = None,
        limit: int | None = None,
        sort_keys: list[str] | None = None,
        sort_dirs: list[str] | None = None,
        offset: int | None = None,
    ) -> Any:
        filters = dict(filters or {})
        all_tenants = str(filters.pop("all_tenants", "")).lower() in ("1", "true", "yes", "t")
        project_id = None if (ctxt.is_admin and all_tenants) else ctxt.project_id
        if project_id is not None:
            filters.pop("project_id", None)
        return objects.SnapshotList.get_all(
            ctxt, filters, marker, limit, sort_keys, sort_dirs, offset, project_id
        )

    def create_snapshot(
        self,
        ctxt: RequestContext,
        volume: Any,
        name: str | None,
        description: str | None,
        force: bool = False,
        metadata: dict[str, str] | None = None,
    ) -> Any:
        if volume.status == VolumeStatus.MAINTENANCE:
            raise exception.InvalidVolume(
                reason="The snapshot cannot be created when the volume is in maintenance mode."
            )
        allowed = ("available", "in-use") if force else ("available",)
        if volume.status not in allowed:
            raise exception.InvalidVolume(
                reason=f"Volume {volume.id} status must be available, but current status "
                f"is: {volume.status}."
            )
        snapshot = objects.Snapshot(
            ctxt,
            user_id=ctxt.user_id,
            project_id=ctxt.project_id,
            volume_id=volume.id,
            status=SnapshotStatus.CREATING.value,
            progress="0%",
            volume_size=volume.size,
            display_name=name,
            display_description=description,
            volume_type_id=volume.volume_type_id,
            metadata=dict(metadata or {}),
        )
        type_name = volume.volume_type.name if volume.volume_type else None
        snapshot.create_with_quota(type_name)
        snapshot.volume = volume
        self.volume_rpcapi.create_snapshot(ctxt, volume, snapshot)
        return snapshot

    def delete_snapshot(self, ctxt: RequestContext, snapshot: Any, force: bool = False) -> None:
        expected: dict[str, Any] = {"cgsnapshot_id": None, "group_snapshot_id": None}
        if not force:
            expected["status"] = [SnapshotStatus.AVAILABLE.value, SnapshotStatus.ERROR.value]
        if not snapshot.conditional_update({"status": SnapshotStatus.DELETING.value}, expected):
            raise exception.InvalidSnapshot(
                reason="Snapshot status must be available or error and must not be part of a group."
            )
        self.volume_rpcapi.delete_snapshot(ctxt, snapshot)

    def update_snapshot(self, ctxt: RequestContext, snapshot: Any, fields: dict[str, Any]) -> Any:
        for key, value in fields.items():
            setattr(snapshot, key, value)
        snapshot.save()
        return snapshot

    # -- attachments (3.27) ---------------------------------------------------------------
    def attachment_create(
        self,
        ctxt: RequestContext,
        volume: Any,
        instance_uuid: str | None,
        connector: dict[str, Any] | None = None,
        attach_mode: str = "null",
    ) -> Any:
        statuses = (
            ("available", "in-use", "downloading", "reserved")
            if volume.multiattach
            else ("available", "downloading")
        )
        done = volume.conditional_update(
            {"status": VolumeStatus.RESERVED.value},
            {"multiattach": volume.multiattach, "status": list(statuses)},
        )
        if not done:
            same_instance = instance_uuid and any(
                a.instance_uuid == instance_uuid for a in volume.volume_attachment
            )
            if not (same_instance and volume.status in ("in-use", "reserved")):
                raise exception.InvalidVolume(
                    reason=f"Volume {volume.id} status must be {or_str(statuses)}"
                )
        attachment = objects.VolumeAttachment(
            ctxt.elevated(),
            volume_id=volume.id,
            instance_uuid=instance_uuid,
            attach_status=AttachStatus.RESERVED.value,
            attach_mode=attach_mode,
        )
        attachment.create()
        attachment = objects.VolumeAttachment.get_by_id(ctxt, attachment.id)
        if connector:
            attachment = self.attachment_update(ctxt, attachment, connector)
        return attachment

    def attachment_update(
        self, ctxt: RequestContext, attachment: Any, connector: dict[str, Any]
    ) -> Any:
        volume = objects.Volume.get_by_id(ctxt, attachment.volume_id)
        info = self.volume_rpcapi.attachment_update(ctxt, volume, connector, attachment.id)
        attachment = objects.VolumeAttachment.get_by_id(ctxt, attachment.id)
        attachment.connection_info = info
        attachment.connector = connector
        attachment.save()
        return attachment

    def attachment_delete(self, ctxt: RequestContext, attachment: Any) -> list[Any]:
        volume = objects.Volume.get_by_id(ctxt.elevated(), attachment.volume_id)
        if attachment.attach_status != AttachStatus.RESERVED:
            self.volume_rpcapi.attachment_delete(ctxt, attachment.id, volume)
        volume.finish_detach(attachment.id)
        return list(volume.volume_attachment)
