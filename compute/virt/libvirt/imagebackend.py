"""Where an instance's files come from and where they live on the compute host.

Layout under ``instances_path`` (Nova's)::

    _base/<image id>         a cached image: raw bytes, downloaded once per host
    <uuid>/disk              the root disk: a qcow2 overlay on _base/<image id>
                             (``[libvirt] images_type = qcow2``) or a raw copy (``raw``),
                             sized to the flavor's root_gb
    <uuid>/disk.eph0         the ephemeral disk, when the flavor has one
    <uuid>/kernel, ramdisk   copies of the AKI/ARI for direct kernel boot
    <uuid>/console.log       the serial console
    <uuid>/libvirt.xml       the domain XML last defined, for operators
    <uuid>_resize/           the pre-resize files, kept until the resize is confirmed

Base images stay in the cache when an instance goes (other instances' overlays point at
them). Downloads are serialised per image with a file lock, so concurrent builds of one
image on a host (even from two processes) fetch it once. Every directory is 0755 and
every file 0644: QEMU runs as another user and must reach them.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common import processutils
from compute import exception

LOG = logging.getLogger(__name__)

BASE_DIR = "_base"
GIB = 1024**3
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$")
_QCOW2_MAGIC = b"QFI\xfb"
_QEMU_IMG_TIMEOUT = 600


def disk_format(images_type: str) -> str:
    """The file format of instance disks for ``[libvirt] images_type``."""
    return "raw" if images_type in ("raw", "flat") else "qcow2"


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o755)
    return path


def qemu_img(*args: str) -> str:
    out, _err = processutils.execute("qemu-img", *args, timeout=_QEMU_IMG_TIMEOUT)
    return out


def image_info(path: str | os.PathLike) -> dict[str, Any]:
    """``qemu-img info`` of a file (``-U``: it may be open by a running guest)."""
    return json.loads(qemu_img("info", "-U", "--output=json", str(path)))


def virtual_size(path: str | os.PathLike) -> int:
    return int(image_info(path)["virtual-size"])


def resize(path: str | os.PathLike, size_bytes: int) -> None:
    """Grow a disk to ``size_bytes`` (never shrinks: a smaller size is left alone)."""
    info = image_info(path)
    if size_bytes > int(info["virtual-size"]):
        qemu_img("resize", "-f", info["format"], str(path), str(size_bytes))


@dataclass(frozen=True)
class InstancePaths:
    """The files of one instance (see the module docstring)."""

    instances_path: Path
    uuid: str

    @property
    def dir(self) -> Path:
        return self.instances_path / self.uuid

    @property
    def resize_dir(self) -> Path:
        return self.instances_path / f"{self.uuid}_resize"

    @property
    def disk(self) -> Path:
        return self.dir / "disk"

    @property
    def ephemeral(self) -> Path:
        return self.dir / "disk.eph0"

    @property
    def kernel(self) -> Path:
        return self.dir / "kernel"

    @property
    def ramdisk(self) -> Path:
        return self.dir / "ramdisk"

    @property
    def console_log(self) -> Path:
        return self.dir / "console.log"

    @property
    def libvirt_xml(self) -> Path:
        return self.dir / "libvirt.xml"

    def make(self) -> None:
        _mkdir(self.instances_path)
        _mkdir(self.dir)

    def remove(self) -> None:
        """Remove every file of the instance, its resize leftovers included."""
        for path in (self.dir, self.resize_dir):
            shutil.rmtree(path, ignore_errors=True)


class ImageCache:
    """The per-host cache of base images under ``<instances_path>/_base``."""

    def __init__(self, instances_path: str | os.PathLike) -> None:
        self.instances_path = Path(instances_path)
        self.base_dir = self.instances_path / BASE_DIR

    def path(self, image_id: str) -> Path:
        if not _SAFE_ID.match(image_id or ""):
            raise exception.ImageNotFound(image_id=image_id)
        return self.base_dir / image_id

    @contextlib.contextmanager
    def _locked(self, image_id: str) -> Iterator[None]:
        with open(self.base_dir / f".{image_id}.lock", "a+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def fetch(self, ctxt: Any, image_id: str, image_service: Any) -> Path:
        """The cached raw copy of ``image_id``, downloading it the first time.

        qcow2 images are converted to raw once here (Nova's ``force_raw_images``), so
        every overlay has a raw backing file of a known format.
        """
        target = self.path(image_id)
        if target.exists():
            return target
        _mkdir(self.instances_path)
        _mkdir(self.base_dir)
        with self._locked(image_id):
            if target.exists():  # another build fetched it while we waited
                return target
            fd, tmp_name = tempfile.mkstemp(prefix=f".{image_id}.", dir=self.base_dir)
            tmp = Path(tmp_name)
            try:
                with os.fdopen(fd, "wb") as out:
                    for chunk in image_service.download(ctxt, image_id) or ():
                        out.write(chunk)
                with open(tmp, "rb") as head:
                    is_qcow2 = head.read(4) == _QCOW2_MAGIC
                if is_qcow2:
                    raw = tmp.with_name(tmp.name + ".raw")
                    qemu_img("convert", "-f", "qcow2", "-O", "raw", str(tmp), str(raw))
                    tmp.unlink()
                    tmp = raw
                tmp.chmod(0o644)
                os.replace(tmp, target)
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
        LOG.info("Cached image %s in %s (%d bytes)", image_id, target, target.stat().st_size)
        return target


def create_root_disk(base: Path, target: Path, images_type: str, size_gb: int) -> None:
    """The instance's root disk from the cached ``base``, grown to ``size_gb`` (0: the
    image's own size). Refuses an image larger than the flavor's disk."""
    base_size = virtual_size(base)
    size = size_gb * GIB
    if size and base_size > size:
        raise exception.FlavorDiskSmallerThanImage(flavor_size=size, image_size=base_size)
    if disk_format(images_type) == "qcow2":
        qemu_img("create", "-q", "-f", "qcow2", "-b", str(base), "-F", "raw", str(target))
    else:
        qemu_img("convert", "-f", "raw", "-O", "raw", str(base), str(target))
    if size:
        resize(target, size)
    target.chmod(0o644)


def create_blank_disk(target: Path, images_type: str, size_gb: int) -> None:
    """An empty disk (the ephemeral disk; the guest formats it as it likes)."""
    qemu_img("create", "-q", "-f", disk_format(images_type), str(target), f"{size_gb}G")
    target.chmod(0o644)


def copy_file(source: Path, target: Path) -> None:
    shutil.copyfile(source, target)
    target.chmod(0o644)


def copy_disk(source: Path, target: Path) -> None:
    """A copy of an instance disk that keeps its backing file (a plain file copy of a
    qcow2 overlay is itself an overlay on the same base)."""
    qemu_img_format = image_info(source)["format"]
    if qemu_img_format == "qcow2":
        shutil.copyfile(source, target)
    else:
        qemu_img("convert", "-f", "raw", "-O", "raw", str(source), str(target))
    target.chmod(0o644)


def snapshot_disk(source: Path, target: Path, out_format: str) -> None:
    """A standalone image of an instance disk (the backing chain flattened)."""
    qemu_img("convert", "-U", "-O", out_format, str(source), str(target))
