"""Snapshots: the backend copies or snapshots the volume's storage; the row follows.

Both flows hold the volume's lock, so a snapshot is never taken of a volume being
deleted or extended on this backend.
"""

from __future__ import annotations

import logging
from typing import Any

from blockstorage.volume.states import SnapshotStatus
from blockstorage.volume.volume_utils import apply_model_update, save_quietly
from common.exception import NotFound

LOG = logging.getLogger(__name__)


def create_snapshot(manager: Any, ctxt: Any, snapshot: Any) -> None:
    with manager.volume_lock(snapshot.volume_id):
        try:
            manager.require_driver()
            apply_model_update(snapshot, manager.driver.create_snapshot(snapshot))
        except Exception as exc:
            LOG.warning("snapshot %s of volume %s failed: %s", snapshot.id, snapshot.volume_id, exc)
            _remove_quietly(manager, snapshot)
            snapshot.status = SnapshotStatus.ERROR
            save_quietly(snapshot, f"snapshot {snapshot.id}")
            return
        snapshot.status = SnapshotStatus.AVAILABLE
        snapshot.progress = "100%"
        try:
            snapshot.save()
        except NotFound:
            LOG.info("snapshot %s was deleted during its creation; cleaning up", snapshot.id)
            _remove_quietly(manager, snapshot)
            return
    LOG.info("snapshot %s of volume %s is available", snapshot.id, snapshot.volume_id)


def delete_snapshot(manager: Any, ctxt: Any, snapshot: Any) -> None:
    with manager.volume_lock(snapshot.volume_id):
        try:
            manager.require_driver()
            manager.driver.delete_snapshot(snapshot)
        except Exception as exc:
            LOG.warning("deleting snapshot %s failed: %s", snapshot.id, exc)
            snapshot.status = SnapshotStatus.ERROR_DELETING
            save_quietly(snapshot, f"snapshot {snapshot.id}")
            return
        try:
            snapshot.destroy()
        except NotFound:
            pass
    LOG.info("snapshot %s deleted", snapshot.id)


def _remove_quietly(manager: Any, snapshot: Any) -> None:
    try:
        manager.driver.delete_snapshot(snapshot)
    except Exception:
        LOG.exception("could not remove the storage of snapshot %s", snapshot.id)
