"""cinder-volume daemon."""

from __future__ import annotations

from collections.abc import Sequence

from blockstorage import objects
from blockstorage.cmd.common import prepare
from blockstorage.volume import rpcapi
from blockstorage.volume.manager import VolumeManager
from common.service.launcher import launch
from common.service.service import Service


def main(argv: Sequence[str] | None = None) -> int:
    prepare(argv, "cinder-volume")
    server = Service(
        "cinder-volume", rpcapi.TOPIC, VolumeManager(), service_record_cls=objects.Service
    )
    return launch([server], "cinder-volume")
