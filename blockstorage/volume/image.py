"""Uploading a volume's data into an image (``os-volume_upload_image``).

The API created the image (queued) and moved the volume to 'uploading'. The backend
converts the volume to the image's disk format and uploads it; the volume returns to
'available' (or 'in-use') whatever happens, and an image left without data by a
failure is deleted, as Cinder does, so no queued image lingers.
"""

from __future__ import annotations

import logging
from typing import Any

from blockstorage.volume import image_utils
from blockstorage.volume.states import VolumeStatus
from blockstorage.volume.volume_utils import save_quietly, settled_status, transition_quietly

LOG = logging.getLogger(__name__)


def copy_volume_to_image(manager: Any, ctxt: Any, volume: Any, image_meta: dict) -> None:
    with manager.volume_lock(volume.id):
        service = None
        try:
            manager.require_driver()
            service = image_utils.get_image_service()
            manager.driver.copy_volume_to_image(ctxt, volume, service, image_meta)
            LOG.info("volume %s uploaded to image %s", volume.id, image_meta.get("id"))
        except Exception as exc:
            LOG.warning("upload of volume %s to image %s failed: %s", volume.id,
                        image_meta.get("id"), exc)  # fmt: skip
            _delete_unfinished_image(ctxt, service, image_meta.get("id"))
            raise
        finally:
            if settled_status(volume) == VolumeStatus.AVAILABLE:
                transition_quietly(volume, "upload_done")
            else:
                volume.status = VolumeStatus.IN_USE
                save_quietly(volume, f"volume {volume.id}")


def _delete_unfinished_image(ctxt: Any, service: Any, image_id: str | None) -> None:
    if service is None or not image_id:
        return
    try:
        if service.show(ctxt, image_id).get("status") in ("queued", "saving"):
            service.delete(ctxt, image_id)
    except Exception:
        LOG.exception("could not delete the unfinished image %s", image_id)
