"""Connections and attachments: exporting a volume to a host and recording who uses it.

``initialize_connection`` exports the volume (the target helper creates its target
and CHAP account, recorded in ``provider_location`` / ``provider_auth``) and returns
Cinder's ``connection_info``; nova-compute hands it to the hypervisor.
``terminate_connection`` closes that host's access. ``attach_volume`` /
``detach_volume`` (the legacy flow) record the attachment (VolumeAttachment.finish_attach,
Volume.finish_detach); ``attachment_update`` / ``attachment_delete`` are the same for the
attachments API (3.27+), the attachment keeping its connector and connection_info. When
the last attachment goes, the export is removed, so an unused volume has no target.
"""

from __future__ import annotations

import logging
from typing import Any

from blockstorage.volume import exception
from blockstorage.volume.states import AttachStatus
from blockstorage.volume.volume_utils import apply_model_update, save_quietly

LOG = logging.getLogger(__name__)


def initialize_connection(manager: Any, ctxt: Any, volume: Any, connector: dict) -> dict:
    manager.require_driver()
    with manager.volume_lock(volume.id):
        try:
            model_update = manager.driver.create_export(ctxt, volume, connector)
        except Exception as exc:
            LOG.warning("export of volume %s failed: %s", volume.id, exc)
            raise exception.VolumeBackendAPIException(data=f"create_export failed: {exc}") from exc
        if model_update:
            apply_model_update(volume, model_update)
            volume.save()
        try:
            conn_info = manager.driver.initialize_connection(volume, connector)
        except Exception as exc:
            LOG.warning("initialize_connection of volume %s failed: %s", volume.id, exc)
            raise exception.VolumeBackendAPIException(
                data=f"initialize_connection failed: {exc}"
            ) from exc
    data = conn_info.setdefault("data", {})
    data.setdefault("volume_id", volume.id)
    data.setdefault("access_mode", "rw")
    data.setdefault("encrypted", False)
    data.setdefault("qos_specs", None)
    LOG.info("volume %s: connection initialized for %s", volume.id,
             (connector or {}).get("host"))  # fmt: skip
    return conn_info


def terminate_connection(
    manager: Any, ctxt: Any, volume: Any, connector: dict | None, force: bool = False
) -> None:
    manager.require_driver()
    with manager.volume_lock(volume.id):
        try:
            manager.driver.terminate_connection(volume, connector, force=force)
        except Exception as exc:
            raise exception.VolumeBackendAPIException(
                data=f"terminate_connection failed: {exc}"
            ) from exc
    LOG.info("volume %s: connection terminated for %s", volume.id,
             (connector or {}).get("host"))  # fmt: skip


def _find_attachment(volume: Any, instance_uuid: str | None, host_name: str | None) -> Any:
    for attachment in getattr(volume, "volume_attachment", None) or []:
        if attachment.attach_status not in (AttachStatus.RESERVED, AttachStatus.ATTACHING):
            continue
        if instance_uuid and attachment.instance_uuid not in (None, instance_uuid):
            continue
        if host_name and not instance_uuid and attachment.attached_host not in (None, host_name):
            continue
        return attachment
    return None


def attach_volume(
    manager: Any,
    ctxt: Any,
    volume: Any,
    instance_uuid: str | None,
    host_name: str | None,
    mountpoint: str,
    mode: str,
) -> Any:
    """Record the attachment (volume 'in-use', attach_status 'attached')."""
    manager.require_driver()
    with manager.volume_lock(volume.id):
        attachment = _find_attachment(volume, instance_uuid, host_name)
        if attachment is None:
            attachment = manager.new_attachment(ctxt, volume, instance_uuid, host_name, mode)
        try:
            attachment.finish_attach(instance_uuid, host_name, mountpoint, mode)
        except Exception:
            attachment.attach_status = AttachStatus.ERROR_ATTACHING
            save_quietly(attachment, f"attachment {attachment.id}")
            raise
        volume.refresh()
    LOG.info("volume %s attached to %s at %s", volume.id, instance_uuid or host_name, mountpoint)
    return attachment


def detach_volume(manager: Any, ctxt: Any, volume: Any, attachment_id: str | None) -> None:
    """Close the attachment; with no attachment left, remove the volume's export."""
    manager.require_driver()
    with manager.volume_lock(volume.id):
        attachments = list(getattr(volume, "volume_attachment", None) or [])
        if attachment_id is None:
            if len(attachments) > 1:
                raise exception.VolumeBackendAPIException(
                    data=f"volume {volume.id} has several attachments; name the one to detach"
                )
            attachment_id = attachments[0].id if attachments else None
        if attachment_id is not None:
            volume.finish_detach(attachment_id)
        remaining = [
            a
            for a in getattr(volume, "volume_attachment", None) or []
            if a.id != attachment_id and a.attach_status == AttachStatus.ATTACHED
        ]
        if not remaining:
            _remove_export(manager, ctxt, volume)
    LOG.info("volume %s detached (attachment %s)", volume.id, attachment_id)


def _remove_export(manager: Any, ctxt: Any, volume: Any) -> None:
    try:
        manager.driver.remove_export(ctxt, volume)
    except Exception:
        LOG.exception("could not remove the export of volume %s", volume.id)
        return
    volume.provider_location = None
    save_quietly(volume, f"volume {volume.id}")


def attachment_update(
    manager: Any, ctxt: Any, volume: Any, connector: dict, attachment_id: str
) -> dict:
    """Connect an attachment (3.27+): export, connection_info kept on the attachment."""
    attachment = manager.get_attachment(ctxt, attachment_id)
    try:
        conn_info = initialize_connection(manager, ctxt, volume, connector)
    except Exception:
        attachment.attach_status = AttachStatus.ERROR_ATTACHING
        save_quietly(attachment, f"attachment {attachment_id}")
        raise
    conn_info["data"]["access_mode"] = attachment.attach_mode or "rw"
    attachment.connector = connector
    attachment.connection_info = conn_info
    attachment.attached_host = (connector or {}).get("host")
    attachment.attach_status = AttachStatus.ATTACHING
    attachment.save()
    return {**conn_info, "attachment_id": attachment_id}


def attachment_delete(manager: Any, ctxt: Any, attachment_id: str, volume: Any) -> None:
    """Disconnect and forget an attachment; the last one takes the export with it."""
    manager.require_driver()
    try:
        attachment = manager.get_attachment(ctxt, attachment_id)
    except Exception:
        attachment = None
    if attachment is not None and attachment.connector:
        try:
            manager.driver.terminate_connection(volume, attachment.connector, force=False)
        except Exception:
            LOG.exception("terminate_connection of attachment %s failed", attachment_id)
    detach_volume(manager, ctxt, volume, attachment_id)
