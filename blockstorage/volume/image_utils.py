"""qemu-img and the image service, as the volume drivers use them.

Images come from and go to Nova's image service (``compute.image.api``: the local
store or Glance, whichever ``[image] backend`` says), so a volume created from an image
holds the same bytes a guest booted from it would. Formats are never guessed from the
data: the image's ``disk_format`` (or the volume's known format) is passed to qemu-img
with ``-f``, and an image whose qcow2 header names a backing file is refused, so an
uploaded image cannot make cinder-volume read another file of the host.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

from blockstorage.volume import exception

LOG = logging.getLogger(__name__)

Execute = Callable[..., tuple[str, str]]
SUPPORTED_FORMATS = ("raw", "qcow2")
GiB = 1024**3


def qemu_img_info(execute: Execute, path: str, fmt: str | None = None, **kwargs: Any) -> dict:
    """``qemu-img info --output=json`` of ``path`` (read as ``fmt`` when given)."""
    cmd = ["qemu-img", "info", "--output=json"]
    if fmt:
        cmd += ["-f", fmt]
    out, _ = execute(*cmd, path, **kwargs)
    return json.loads(out)


def create(execute: Execute, path: str, fmt: str, size_gb: int, **kwargs: Any) -> None:
    execute("qemu-img", "create", "-f", fmt, path, f"{int(size_gb)}G", **kwargs)


def resize(execute: Execute, path: str, fmt: str, size_gb: int, **kwargs: Any) -> None:
    execute("qemu-img", "resize", "-f", fmt, path, f"{int(size_gb)}G", **kwargs)


def convert(
    execute: Execute, src: str, dst: str, src_fmt: str, dst_fmt: str, **kwargs: Any
) -> None:
    """Copy ``src`` into ``dst`` in ``dst_fmt`` (sparse: zero blocks are not written)."""
    execute("qemu-img", "convert", "-f", src_fmt, "-O", dst_fmt, src, dst, **kwargs)


def ensure_image_options() -> None:
    """cinder-volume reads images through Nova's image service: register its options."""
    from common.config import CONF
    from compute.conf import image as image_conf

    for group, opts in image_conf.list_opts():
        CONF.register_opts(opts, group=None if group == "DEFAULT" else group)


def get_image_service() -> Any:
    ensure_image_options()
    from compute.image import api as image_api

    return image_api.get_image_service()


@contextlib.contextmanager
def temporary_file(directory: str, suffix: str = "") -> Iterator[str]:
    os.makedirs(directory, exist_ok=True)
    fd, path = tempfile.mkstemp(dir=directory, prefix="tmp-", suffix=suffix)
    os.close(fd)
    try:
        yield path
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


@contextlib.contextmanager
def fetch_image(
    context: Any, image_service: Any, image_id: str, directory: str, execute: Execute
) -> Iterator[tuple[str, str, int]]:
    """Download the image into a temporary file; yields ``(path, disk_format,
    virtual size in bytes)`` after checking that qemu-img reads it as that format."""
    meta = image_service.show(context, image_id)
    disk_format = meta.get("disk_format") or "raw"
    if disk_format not in SUPPORTED_FORMATS:
        raise exception.ImageUnacceptable(
            image_id=image_id, reason=f"disk format {disk_format} is not one of raw, qcow2"
        )
    with temporary_file(directory, ".img") as path:
        image_service.download(context, image_id, dst_path=path)
        info = qemu_img_info(execute, path, disk_format)
        if info.get("backing-filename") or info.get("full-backing-filename"):
            raise exception.ImageUnacceptable(
                image_id=image_id, reason="qcow2 images with a backing file are not accepted"
            )
        yield path, disk_format, int(info["virtual-size"])


def check_fits(image_id: str, virtual_size: int, volume_size_gb: int) -> None:
    if virtual_size > int(volume_size_gb) * GiB:
        raise exception.ImageUnacceptable(
            image_id=image_id,
            reason=f"its virtual size ({virtual_size} bytes) is larger than the volume "
            f"({volume_size_gb} GiB)",
        )


def upload_file(
    context: Any, image_service: Any, image_meta: dict[str, Any], path: str
) -> dict[str, Any]:
    """Upload ``path`` as the data of the queued image ``image_meta['id']``."""
    with open(path, "rb") as data:
        return image_service.update(
            context,
            image_meta["id"],
            {
                "disk_format": image_meta.get("disk_format") or "raw",
                "container_format": image_meta.get("container_format") or "bare",
            },
            data=data,
        )
