"""Deleting a volume: its export, its snapshots (cascade), its storage, then its row.

The API has already moved the volume to 'deleting'. A failure of the backend leaves it
in 'error_deleting', from which an admin can retry (force-delete); a storage that is
already gone counts as deleted, so a retry after a crash finishes the job.
"""

from __future__ import annotations

import logging
from typing import Any

from blockstorage.volume.volume_utils import transition_quietly
from common.exception import NotFound

LOG = logging.getLogger(__name__)


def delete_volume(manager: Any, ctxt: Any, volume: Any, cascade: bool = False) -> None:
    with manager.volume_lock(volume.id):
        try:
            manager.require_driver()
            if cascade:
                for snap in manager.snapshots_of_volume(ctxt, volume.id):
                    manager.driver.delete_snapshot(snap)
                    snap.destroy()
            manager.driver.remove_export(ctxt, volume)
            manager.driver.delete_volume(volume)
        except Exception as exc:
            LOG.warning("deleting volume %s failed: %s", volume.id, exc)
            transition_quietly(volume, "delete_failed")
            return
        try:
            volume.destroy()
        except NotFound:
            pass
    LOG.info("volume %s deleted from %s", volume.id, manager.host)
