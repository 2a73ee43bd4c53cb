"""Creating a volume on this backend, and what happens when that fails.

Steps: make the storage (empty, from a snapshot, as a clone of another volume, or empty
then filled with an image's bytes while the volume is 'downloading'), then mark the
volume 'available'. A failure removes whatever storage was made and leaves the volume
in 'error' (the user deletes it). A volume deleted while it was being created is
cleaned up here: saving it fails with NotFound and its storage is removed.
"""

from __future__ import annotations

import logging
from typing import Any

from blockstorage.volume import image_utils
from blockstorage.volume.states import VolumeStatus
from blockstorage.volume.volume_utils import apply_model_update, spec_get, transition_quietly
from common.exception import NotFound
from common.service.servicegroup import utcnow

LOG = logging.getLogger(__name__)


def create_volume(
    manager: Any, ctxt: Any, volume: Any, request_spec: Any, filter_properties: dict
) -> None:
    with manager.volume_lock(volume.id):
        try:
            manager.require_driver()
            _create(manager, ctxt, volume, request_spec)
            volume.save()
            if not volume.take_transition("create_done", launched_at=utcnow()):
                LOG.info("volume %s changed status to %s during its creation", volume.id,
                         volume.status)  # fmt: skip
                return
        except NotFound:
            LOG.info("volume %s was deleted during its creation; cleaning up", volume.id)
            _revert(manager, volume)
            return
        except Exception as exc:
            LOG.warning("creating volume %s on %s failed: %s", volume.id, manager.host, exc)
            _revert(manager, volume)
            transition_quietly(volume, "create_failed")
            return
    LOG.info("volume %s (%s GiB) is available on %s", volume.id, volume.size, manager.host)


def _create(manager: Any, ctxt: Any, volume: Any, request_spec: Any) -> None:
    driver = manager.driver
    snapshot_id = getattr(volume, "snapshot_id", None) or spec_get(request_spec, "snapshot_id")
    source_volid = getattr(volume, "source_volid", None) or spec_get(request_spec, "source_volid")
    image_id = spec_get(request_spec, "image_id")
    if snapshot_id:
        snap = manager.get_snapshot(ctxt, snapshot_id)
        apply_model_update(volume, driver.create_volume_from_snapshot(volume, snap))
    elif source_volid:
        source = manager.get_volume(ctxt, source_volid)
        apply_model_update(volume, driver.create_cloned_volume(volume, source))
    else:
        apply_model_update(volume, driver.create_volume(volume))
    if image_id:
        volume.status = VolumeStatus.DOWNLOADING
        volume.save()
        service = image_utils.get_image_service()
        driver.copy_image_to_volume(ctxt, volume, service, image_id)
        volume.bootable = True


def _revert(manager: Any, volume: Any) -> None:
    try:
        manager.driver.delete_volume(volume)
    except Exception:
        LOG.exception("could not remove the storage of failed volume %s", volume.id)
