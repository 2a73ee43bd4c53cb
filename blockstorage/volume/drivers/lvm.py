"""The LVM driver: each volume a logical volume in ``volume_group``, exported over iSCSI.

Every LVM action is one command line run as root through ``common.processutils``
(allowed by ``etc/cinder/rootwrap.d/volume.filters``)::

    lvcreate -n volume-<id> <vg> -L <size>g
    lvextend -L <new size>g <vg>/volume-<id>
    lvremove -f <vg>/volume-<id>
    lvcreate --name _snapshot-<id> --snapshot <vg>/volume-<id> -L <size>g
    lvs --noheadings --unit=g -o vg_name,name,size --nosuffix <vg>
    vgs --noheadings --unit=g -o name,size,free,lv_count,uuid --separator : --nosuffix <vg>

with ``LC_ALL=C`` so the output parses the same in every locale. ``lvm_activation =
False`` puts ``--config global{activation=0}`` right after the command name: on a kernel
without device-mapper LVM then changes only the volume group's metadata (no
``/dev/<vg>/<lv>``), which is how the driver is tested where no data path exists.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from blockstorage.volume import exception, image_utils
from blockstorage.volume.driver import VolumeDriver
from blockstorage.volume.names import snapshot_name, volume_name
from common import processutils

LOG = logging.getLogger(__name__)

NO_ACTIVATION = "global{activation=0}"
LV_BUSY = 5  # lvremove's exit code while the device is still open


class LVMVolumeDriver(VolumeDriver):
    """Thick LVs in one volume group; iSCSI through the configured target helper."""

    VERSION = "3.0.0"

    @property
    def vg_name(self) -> str:
        return self.configuration.volume_group

    # -- commands ------------------------------------------------------------------------
    def _lvm(self, command: str, *args: str, **kwargs: Any) -> tuple[str, str]:
        """Run an LVM command as root with the configured global options."""
        cmd = [command]
        if not self.configuration.lvm_activation:
            cmd += ["--config", NO_ACTIVATION]
        env = {"LC_ALL": "C"}
        if self.configuration.lvm_suppress_fd_warnings:
            env["LVM_SUPPRESS_FD_WARNINGS"] = "1"
        return self._execute(*cmd, *args, run_as_root=True, env_variables=env, **kwargs)

    def get_vg(self) -> dict[str, Any]:
        """``{'name', 'size', 'free', 'lv_count', 'uuid'}`` of the volume group (GiB)."""
        try:
            out, _ = self._lvm(
                "vgs", "--noheadings", "--unit=g", "-o", "name,size,free,lv_count,uuid",
                "--separator", ":", "--nosuffix", self.vg_name,
            )  # fmt: skip
        except processutils.ProcessExecutionError as exc:
            raise exception.VolumeGroupNotFound(vg_name=self.vg_name) from exc
        fields = out.strip().split(":")
        if len(fields) != 5:
            raise exception.VolumeGroupNotFound(vg_name=self.vg_name)
        return {
            "name": fields[0],
            "size": float(fields[1]),
            "free": float(fields[2]),
            "lv_count": int(fields[3]),
            "uuid": fields[4],
        }

    def get_volumes(self) -> list[dict[str, Any]]:
        """The LVs of the volume group: ``[{'vg', 'name', 'size'}]`` (size in GiB)."""
        out, _ = self._lvm(
            "lvs", "--noheadings", "--unit=g", "-o", "vg_name,name,size", "--nosuffix",
            self.vg_name,
        )  # fmt: skip
        volumes = []
        for line in out.splitlines():
            fields = line.split()
            if len(fields) == 3:
                volumes.append({"vg": fields[0], "name": fields[1], "size": float(fields[2])})
        return volumes

    def get_volume(self, name: str) -> dict[str, Any] | None:
        return next((lv for lv in self.get_volumes() if lv["name"] == name), None)

    def _lv_path(self, name: str) -> str:
        return f"/dev/{self.vg_name}/{name}"

    # -- set-up --------------------------------------------------------------------------
    def check_for_setup_error(self) -> None:
        vg = self.get_vg()
        LOG.info(
            "volume group %s: %.2f GiB, %.2f GiB free, %d LVs",
            vg["name"], vg["size"], vg["free"], vg["lv_count"],
        )  # fmt: skip

    # -- volumes -------------------------------------------------------------------------
    def local_path(self, volume: Any) -> str:
        return self._lv_path(volume_name(volume))

    def _create_lv(self, name: str, size_gb: int) -> None:
        self._lvm("lvcreate", "-n", name, self.vg_name, "-L", f"{int(size_gb)}g")

    def create_volume(self, volume: Any) -> dict[str, Any] | None:
        self._create_lv(volume_name(volume), volume.size)
        LOG.info("volume %s: LV %s/%s created (%s GiB)", volume.id, self.vg_name,
                 volume_name(volume), volume.size)  # fmt: skip
        return None

    def delete_volume(self, volume: Any) -> None:
        name = volume_name(volume)
        if self.get_volume(name) is None:
            LOG.info("volume %s: LV %s already gone", volume.id, name)
            return
        self._clear(self._lv_path(name), volume.size)
        self._lvm("lvremove", "-f", f"{self.vg_name}/{name}", attempts=3,
                  retry_on_exit_codes=[LV_BUSY])  # fmt: skip

    def _clear(self, device: str, size_gb: int) -> None:
        """Wipe a volume's data before its extents go back to the pool."""
        if self.configuration.volume_clear == "none":
            return
        if not os.path.exists(device):
            LOG.debug("%s has no device node (activation off?); nothing to wipe", device)
            return
        size_mb = self.configuration.volume_clear_size or int(size_gb) * 1024
        self._copy("/dev/zero", device, size_mb)

    def _copy(self, src: str, dst: str, size_mb: int) -> None:
        self._execute(
            "dd", f"if={src}", f"of={dst}", "bs=1M", f"count={int(size_mb)}", "oflag=direct",
            run_as_root=True,
        )  # fmt: skip

    def extend_volume(self, volume: Any, new_size: int) -> None:
        self._lvm("lvextend", "-L", f"{int(new_size)}g", f"{self.vg_name}/{volume_name(volume)}")

    # -- snapshots and clones (need device-mapper) ---------------------------------------
    def _snapshot_lv(self, snapshot: Any) -> str:
        return "_" + snapshot_name(snapshot)

    def create_snapshot(self, snapshot: Any) -> dict[str, Any] | None:
        origin = f"{self.vg_name}/{volume_name(snapshot.volume)}"
        self._lvm(
            "lvcreate", "--name", self._snapshot_lv(snapshot), "--snapshot", origin,
            "-L", f"{int(snapshot.volume_size)}g",
        )  # fmt: skip
        return None

    def delete_snapshot(self, snapshot: Any) -> None:
        name = self._snapshot_lv(snapshot)
        if self.get_volume(name) is None:
            return
        self._lvm("lvremove", "-f", f"{self.vg_name}/{name}")

    def create_volume_from_snapshot(self, volume: Any, snapshot: Any) -> dict[str, Any] | None:
        self.create_volume(volume)
        self._copy(self._lv_path(self._snapshot_lv(snapshot)), self.local_path(volume),
                   int(snapshot.volume_size) * 1024)  # fmt: skip
        return None

    def create_cloned_volume(self, volume: Any, src_vref: Any) -> dict[str, Any] | None:
        self.create_volume(volume)
        self._copy(self.local_path(src_vref), self.local_path(volume), int(src_vref.size) * 1024)
        return None

    # -- images --------------------------------------------------------------------------
    def _require_device(self, volume: Any) -> str:
        device = self.local_path(volume)
        if not os.path.exists(device):
            raise exception.VolumeDeviceNotFound(device=device)
        return device

    def copy_image_to_volume(
        self, context: Any, volume: Any, image_service: Any, image_id: str
    ) -> None:
        device = self._require_device(volume)
        with image_utils.fetch_image(
            context, image_service, image_id, self.configuration.image_conversion_dir,
            self._execute,
        ) as (path, disk_format, virtual_size):  # fmt: skip
            image_utils.check_fits(image_id, virtual_size, volume.size)
            image_utils.convert(self._execute, path, device, disk_format, "raw", run_as_root=True)

    def copy_volume_to_image(
        self, context: Any, volume: Any, image_service: Any, image_meta: dict[str, Any]
    ) -> None:
        device = self._require_device(volume)
        out_format = image_meta.get("disk_format") or "raw"
        with image_utils.temporary_file(self.configuration.image_conversion_dir) as path:
            image_utils.convert(self._execute, device, path, "raw", out_format, run_as_root=True)
            image_utils.upload_file(context, image_service, image_meta, path)

    # -- capabilities --------------------------------------------------------------------
    def _update_volume_stats(self) -> dict[str, Any]:
        vg = self.get_vg()
        provisioned = sum(lv["size"] for lv in self.get_volumes())
        stats = self._base_stats()
        pool = {
            "pool_name": self.backend_name,
            "total_capacity_gb": vg["size"],
            "free_capacity_gb": vg["free"],
            "reserved_percentage": self.configuration.reserved_percentage,
            "max_over_subscription_ratio": self.configuration.max_over_subscription_ratio,
            "provisioned_capacity_gb": round(provisioned, 2),
            "location_info": f"LVMVolumeDriver:{self.host}:{self.vg_name}:thick:0",
            "thin_provisioning_support": False,
            "thick_provisioning_support": True,
            "total_volumes": vg["lv_count"],
            "QoS_support": False,
            "multiattach": False,
            "backend_state": "up",
        }
        stats.update(
            total_capacity_gb=vg["size"],
            free_capacity_gb=vg["free"],
            pools=[pool],
        )
        return stats
