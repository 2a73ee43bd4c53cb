"""cinder-volume's manager: one per backend host (``host@backend``); drivers arrive with
block storage."""

from __future__ import annotations

from common import rpc
from common.service.manager import Manager


class VolumeManager(Manager):
    target = rpc.Target(version="1.0")

    def __init__(self, host: str | None = None) -> None:
        super().__init__(host=host, service_name="volume")
