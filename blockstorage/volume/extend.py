"""Growing a volume: the backend grows the storage, then the row gets the new size.

The API moved the volume to 'extending'; it returns to 'available' with its new size,
or goes to 'error_extending' with its old size when the backend fails.
"""

from __future__ import annotations

import logging
from typing import Any

from blockstorage.volume.volume_utils import transition_quietly

LOG = logging.getLogger(__name__)


def extend_volume(manager: Any, ctxt: Any, volume: Any, new_size: int) -> None:
    with manager.volume_lock(volume.id):
        try:
            manager.require_driver()
            manager.driver.extend_volume(volume, new_size)
        except Exception as exc:
            LOG.warning("extending volume %s to %s GiB failed: %s", volume.id, new_size, exc)
            transition_quietly(volume, "extend_failed")
            return
        old_size = volume.size
        volume.take_transition("extend_done", size=new_size)
    LOG.info("volume %s extended from %s to %s GiB", volume.id, old_size, new_size)
