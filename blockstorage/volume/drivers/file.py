"""The file driver: each volume a raw or qcow2 file in ``file_volume_dir``.

It gives block storage a real data path on hosts whose kernel has no device-mapper:
files are made, grown and copied with ``qemu-img`` (``create``, ``resize``, ``convert``;
raw files are sparse), and raw volumes are exported over iSCSI by the target helper
exactly like LVs (tgt serves the file as LUN 1). A qcow2 file cannot be served by tgt
(the initiator would see the qcow2 container, not the disk), so qcow2 volumes are
attached as local files by a compute on the same host: their ``connection_info`` is
``{'driver_volume_type': 'local', 'data': {'device_path': <file>, 'format': 'qcow2'}}``.

Layout: ``volume-<id>`` (raw) or ``volume-<id>.qcow2`` files, and ``snapshot-<id>[.qcow2]``.
The format is told by the name, never guessed from the data: a guest can write a qcow2
header into a raw volume, and reading that as qcow2 could make qemu-img open a host
file named as its backing file. Changing ``file_volume_format`` affects only new
volumes. A snapshot is a full (sparse) copy taken with ``qemu-img convert``, so volumes
and snapshots never depend on each other and either can be deleted first, as with
Cinder's thick LVM driver.
"""

from __future__ import annotations

import contextlib
import logging
import os
from typing import Any

from blockstorage.volume import image_utils
from blockstorage.volume.driver import GiB, VolumeDriver
from blockstorage.volume.names import snapshot_name, volume_name

LOG = logging.getLogger(__name__)


class FileVolumeDriver(VolumeDriver):
    """Volumes as files; commands run unprivileged (the files are the daemon's own)."""

    VERSION = "1.0.0"

    @property
    def volume_dir(self) -> str:
        return self.configuration.file_volume_dir

    @property
    def volume_format(self) -> str:
        return self.configuration.file_volume_format

    def do_setup(self, context: Any) -> None:
        os.makedirs(self.volume_dir, exist_ok=True)

    def check_for_setup_error(self) -> None:
        if not os.access(self.volume_dir, os.W_OK | os.X_OK):
            from blockstorage.volume import exception

            raise exception.VolumeBackendNotReady(
                backend=self.backend_name, reason=f"{self.volume_dir} is not writable"
            )

    # -- paths and formats ---------------------------------------------------------------
    def _existing_or_new(self, base: str) -> str:
        qcow2 = base + ".qcow2"
        if os.path.exists(qcow2):
            return qcow2
        if os.path.exists(base):
            return base
        return qcow2 if self.volume_format == "qcow2" else base

    def local_path(self, volume: Any) -> str:
        return self._existing_or_new(os.path.join(self.volume_dir, volume_name(volume)))

    def snapshot_path(self, snapshot: Any) -> str:
        return self._existing_or_new(os.path.join(self.volume_dir, snapshot_name(snapshot)))

    @staticmethod
    def file_format(path: str) -> str:
        """The format of one of our files, as its name says."""
        return "qcow2" if path.endswith(".qcow2") else "raw"

    # -- volumes -------------------------------------------------------------------------
    def create_volume(self, volume: Any) -> dict[str, Any] | None:
        path = self.local_path(volume)
        image_utils.create(self._execute, path, self.volume_format, volume.size)
        LOG.info("volume %s: %s file %s (%s GiB)", volume.id, self.volume_format, path,
                 volume.size)  # fmt: skip
        return None

    def delete_volume(self, volume: Any) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.local_path(volume))

    def extend_volume(self, volume: Any, new_size: int) -> None:
        path = self.local_path(volume)
        image_utils.resize(self._execute, path, self.file_format(path), new_size)

    def _copy_file(self, src: str, dst: str, size_gb: int) -> None:
        """``dst`` (in the configured format) with ``src``'s contents, grown to
        ``size_gb`` when that is larger; removed again if any step fails."""
        try:
            image_utils.convert(
                self._execute, src, dst, self.file_format(src), self.file_format(dst)
            )
            self._grow_to(dst, size_gb)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(dst)
            raise

    def _grow_to(self, path: str, size_gb: int, fmt: str | None = None) -> None:
        fmt = fmt or self.file_format(path)
        info = image_utils.qemu_img_info(self._execute, path, fmt)
        if int(info["virtual-size"]) < int(size_gb) * GiB:
            image_utils.resize(self._execute, path, fmt, size_gb)

    def create_snapshot(self, snapshot: Any) -> dict[str, Any] | None:
        src = self.local_path(snapshot.volume)
        fmt = self.file_format(src)
        dst = os.path.join(self.volume_dir, snapshot_name(snapshot))
        dst += ".qcow2" if fmt == "qcow2" else ""
        try:
            image_utils.convert(self._execute, src, dst, fmt, fmt)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(dst)
            raise
        return None

    def delete_snapshot(self, snapshot: Any) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.snapshot_path(snapshot))

    def create_volume_from_snapshot(self, volume: Any, snapshot: Any) -> dict[str, Any] | None:
        self._copy_file(self.snapshot_path(snapshot), self.local_path(volume), volume.size)
        return None

    def create_cloned_volume(self, volume: Any, src_vref: Any) -> dict[str, Any] | None:
        self._copy_file(self.local_path(src_vref), self.local_path(volume), volume.size)
        return None

    # -- images --------------------------------------------------------------------------
    def copy_image_to_volume(
        self, context: Any, volume: Any, image_service: Any, image_id: str
    ) -> None:
        """Replace the volume's file with the image converted to the volume's format."""
        path = self.local_path(volume)
        fmt = self.file_format(path)
        with image_utils.fetch_image(
            context, image_service, image_id, self.configuration.image_conversion_dir,
            self._execute,
        ) as (image_path, disk_format, virtual_size):  # fmt: skip
            image_utils.check_fits(image_id, virtual_size, volume.size)
            staged = os.path.join(self.volume_dir, f".part-{volume_name(volume)}")
            try:
                image_utils.convert(self._execute, image_path, staged, disk_format, fmt)
                self._grow_to(staged, volume.size, fmt)
                os.replace(staged, path)
            except BaseException:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(staged)
                raise

    def copy_volume_to_image(
        self, context: Any, volume: Any, image_service: Any, image_meta: dict[str, Any]
    ) -> None:
        path = self.local_path(volume)
        out_format = image_meta.get("disk_format") or "raw"
        with image_utils.temporary_file(self.configuration.image_conversion_dir) as tmp:
            image_utils.convert(self._execute, path, tmp, self.file_format(path), out_format)
            image_utils.upload_file(context, image_service, image_meta, tmp)

    # -- exports: raw over iSCSI, qcow2 as a local file ----------------------------------
    def _is_qcow2(self, volume: Any) -> bool:
        return self.file_format(self.local_path(volume)) == "qcow2"

    def create_export(
        self, context: Any, volume: Any, connector: dict[str, Any] | None = None
    ) -> dict[str, Any] | None:
        if self._is_qcow2(volume):
            return None
        return super().create_export(context, volume, connector)

    def ensure_export(self, context: Any, volume: Any) -> dict[str, Any] | None:
        if self._is_qcow2(volume) or not os.path.exists(self.local_path(volume)):
            return None
        return super().ensure_export(context, volume)

    def initialize_connection(self, volume: Any, connector: dict[str, Any]) -> dict[str, Any]:
        if self._is_qcow2(volume):
            return {
                "driver_volume_type": "local",
                "data": {
                    "device_path": self.local_path(volume),
                    "format": "qcow2",
                    "volume_id": volume.id,
                    "access_mode": "rw",
                },
            }
        return super().initialize_connection(volume, connector)

    def terminate_connection(
        self, volume: Any, connector: dict[str, Any] | None, **kwargs: Any
    ) -> None:
        if not self._is_qcow2(volume):
            super().terminate_connection(volume, connector, **kwargs)

    # -- capabilities --------------------------------------------------------------------
    def _update_volume_stats(self) -> dict[str, Any]:
        fs = os.statvfs(self.volume_dir)
        total = fs.f_blocks * fs.f_frsize / GiB
        free = fs.f_bavail * fs.f_frsize / GiB
        provisioned = 0
        volumes = 0
        for entry in os.scandir(self.volume_dir):
            if entry.name.startswith("volume-"):
                volumes += 1
                provisioned += self._virtual_size(entry.path)
        stats = self._base_stats()
        stats["storage_protocol"] = "iSCSI" if self.volume_format == "raw" else "local"
        pool = {
            "pool_name": self.backend_name,
            "total_capacity_gb": round(total, 2),
            "free_capacity_gb": round(free, 2),
            "reserved_percentage": self.configuration.reserved_percentage,
            "max_over_subscription_ratio": self.configuration.max_over_subscription_ratio,
            "provisioned_capacity_gb": round(provisioned / GiB, 2),
            "thin_provisioning_support": True,
            "thick_provisioning_support": False,
            "total_volumes": volumes,
            "QoS_support": False,
            "multiattach": False,
            "backend_state": "up",
            "location_info": f"FileVolumeDriver:{self.host}:{self.volume_dir}",
        }
        stats.update(
            total_capacity_gb=pool["total_capacity_gb"],
            free_capacity_gb=pool["free_capacity_gb"],
            pools=[pool],
        )
        return stats

    def _virtual_size(self, path: str) -> int:
        """Bytes a guest sees: the raw file's length, or the qcow2 header's disk size."""
        if self.file_format(path) == "raw":
            return os.path.getsize(path)
        with open(path, "rb") as handle:
            head = handle.read(32)
        return int.from_bytes(head[24:32], "big") if len(head) == 32 else 0
