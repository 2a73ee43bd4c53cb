"""The file driver with real qemu-img: volumes are files whose bytes a user can check."""

from __future__ import annotations

import json
import os
import subprocess
from types import SimpleNamespace

import pytest

from blockstorage.volume import exception
from blockstorage.volume.drivers.file import FileVolumeDriver
from common.context import RequestContext
from compute.image.local import LocalImageService
from tests.functional.blockstorage.backend_fixtures import (
    RecordingExecute,
    backend_section,
    make_volume,
    require_tools,
)

GiB = 1024**3
MiB = 1024**2


def _info(path: str) -> dict:
    out = subprocess.run(
        ["qemu-img", "info", "--output=json", path], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out)


def _read(path: str, offset: int, size: int) -> bytes:
    with open(path, "rb") as handle:
        handle.seek(offset)
        return handle.read(size)


def _write(path: str, offset: int, data: bytes) -> None:
    with open(path, "r+b") as handle:
        handle.seek(offset)
        handle.write(data)


@pytest.fixture
def make_driver(tmp_path):
    require_tools("qemu-img")
    sections = []

    def make(fmt: str = "raw") -> tuple[FileVolumeDriver, RecordingExecute]:
        section = backend_section(
            volume_driver="file.FileVolumeDriver",
            file_volume_dir=str(tmp_path / "volumes"),
            file_volume_format=fmt,
            image_conversion_dir=str(tmp_path / "conversion"),
            volumes_dir=str(tmp_path / "targets"),
        )
        sections.append(section)
        config = section.__enter__()
        recorder = RecordingExecute()
        drv = FileVolumeDriver(config, execute=recorder, host="node1@file")
        drv.do_setup(None)
        drv.check_for_setup_error()
        return drv, recorder

    yield make
    for section in sections:
        section.__exit__(None, None, None)


@pytest.fixture
def images(tmp_path):
    return LocalImageService(tmp_path / "images")


@pytest.fixture
def ctxt():
    return RequestContext(user_id="demo", project_id="demo-project")


@pytest.mark.parametrize("fmt", ["raw", "qcow2"])
def test_create_extend_and_delete(make_driver, fmt):
    drv, recorder = make_driver(fmt)
    volume = make_volume(size=1)
    drv.create_volume(volume)
    path = drv.local_path(volume)
    assert os.path.basename(path) == f"volume-{volume.id}" + (".qcow2" if fmt == "qcow2" else "")
    assert recorder.commands[0] == ["qemu-img", "create", "-f", fmt, path, "1G"]
    info = _info(path)
    assert info["format"] == fmt and info["virtual-size"] == GiB
    assert os.stat(path).st_blocks * 512 < 8 * MiB  # sparse / thin

    drv.extend_volume(volume, 2)
    assert _info(path)["virtual-size"] == 2 * GiB

    drv.delete_volume(volume)
    assert not os.path.exists(path)
    drv.delete_volume(volume)  # already gone: still fine


def test_snapshot_keeps_the_bytes_of_its_moment_and_volumes_come_from_it(make_driver):
    drv, _ = make_driver("raw")
    volume = make_volume(size=1)
    drv.create_volume(volume)
    path = drv.local_path(volume)
    before = os.urandom(64 * 1024)
    _write(path, 0, before)
    _write(path, 700 * MiB, b"tail-bytes")

    snap = SimpleNamespace(id="s1" + volume.id[2:], volume_id=volume.id, volume=volume,
                           volume_size=1)  # fmt: skip
    drv.create_snapshot(snap)
    _write(path, 0, b"\0" * len(before))  # the volume moves on; the snapshot must not

    snap_path = drv.snapshot_path(snap)
    assert _read(snap_path, 0, len(before)) == before
    assert _read(snap_path, 700 * MiB, 10) == b"tail-bytes"

    from_snap = make_volume(size=2)
    drv.create_volume_from_snapshot(from_snap, snap)
    new_path = drv.local_path(from_snap)
    assert _read(new_path, 0, len(before)) == before
    assert _info(new_path)["virtual-size"] == 2 * GiB

    clone = make_volume(size=1)
    drv.create_cloned_volume(clone, from_snap)  # a 1 GiB clone of a 2 GiB volume keeps 2
    assert _read(drv.local_path(clone), 0, len(before)) == before
    assert _read(drv.local_path(clone), 700 * MiB, 10) == b"tail-bytes"

    drv.delete_snapshot(snap)
    assert not os.path.exists(snap_path)
    assert _read(new_path, 0, len(before)) == before  # clones do not depend on snapshots


def test_qcow2_snapshot_and_clone(make_driver):
    drv, _ = make_driver("qcow2")
    volume = make_volume(size=1)
    drv.create_volume(volume)
    snap = SimpleNamespace(id="snap-q", volume_id=volume.id, volume=volume, volume_size=1)
    drv.create_snapshot(snap)
    assert (
        drv.snapshot_path(snap).endswith(".qcow2")
        and _info(drv.snapshot_path(snap))["format"] == "qcow2"
    )
    clone = make_volume(size=1)
    drv.create_cloned_volume(clone, volume)
    assert _info(drv.local_path(clone))["format"] == "qcow2"
    conn = drv.initialize_connection(clone, {"host": "node1"})
    assert conn == {
        "driver_volume_type": "local",
        "data": {"device_path": drv.local_path(clone), "format": "qcow2",
                 "volume_id": clone.id, "access_mode": "rw"},
    }  # fmt: skip


@pytest.mark.parametrize("image_format", ["raw", "qcow2"])
def test_create_from_an_image_in_the_local_store_holds_its_bytes(
    make_driver, images, ctxt, tmp_path, image_format
):
    drv, _ = make_driver("raw")
    payload = os.urandom(3 * MiB + 512)
    raw = tmp_path / "payload.raw"
    raw.write_bytes(payload)
    upload = raw
    if image_format == "qcow2":
        upload = tmp_path / "payload.qcow2"
        subprocess.run(["qemu-img", "convert", "-f", "raw", "-O", "qcow2", str(raw),
                        str(upload)], check=True)  # fmt: skip
    with open(upload, "rb") as data:
        image = images.create(
            ctxt, {"name": "tiny", "disk_format": image_format, "container_format": "bare"}, data
        )
    volume = make_volume(size=1)
    drv.create_volume(volume)
    drv.copy_image_to_volume(ctxt, volume, images, image["id"])
    path = drv.local_path(volume)
    assert _read(path, 0, len(payload)) == payload
    assert _info(path)["virtual-size"] == GiB  # grown back to the volume's size
    assert os.listdir(tmp_path / "conversion") == []


def test_an_image_larger_than_the_volume_is_refused(make_driver, images, ctxt, tmp_path):
    drv, _ = make_driver("raw")
    big = tmp_path / "big.qcow2"
    subprocess.run(["qemu-img", "create", "-f", "qcow2", str(big), "2G"], check=True,
                   capture_output=True)  # fmt: skip
    with open(big, "rb") as data:
        image = images.create(ctxt, {"name": "big", "disk_format": "qcow2"}, data)
    volume = make_volume(size=1)
    drv.create_volume(volume)
    with pytest.raises(exception.ImageUnacceptable, match="larger than the volume"):
        drv.copy_image_to_volume(ctxt, volume, images, image["id"])


def test_volume_to_image_uploads_the_volume_bytes(make_driver, images, ctxt, tmp_path):
    drv, _ = make_driver("raw")
    volume = make_volume(size=1)
    drv.create_volume(volume)
    path = drv.local_path(volume)
    head, tail = os.urandom(128 * 1024), os.urandom(4096)
    _write(path, 0, head)
    _write(path, GiB - 4096, tail)

    image = images.create(ctxt, {"name": "from-volume", "disk_format": "qcow2",
                                 "container_format": "bare"})  # fmt: skip
    drv.copy_volume_to_image(ctxt, volume, images, image)
    stored = images.show(ctxt, image["id"])
    assert stored["status"] == "active" and stored["virtual_size"] == GiB
    downloaded = tmp_path / "downloaded.qcow2"
    images.download(ctxt, image["id"], dst_path=str(downloaded))
    # Same guest-visible bytes, every one of them (qemu-img compare reads both fully).
    result = subprocess.run(["qemu-img", "compare", "-f", "raw", "-F", "qcow2", path,
                             str(downloaded)], capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    back = tmp_path / "back.raw"
    subprocess.run(["qemu-img", "convert", "-f", "qcow2", "-O", "raw", str(downloaded),
                    str(back)], check=True)  # fmt: skip
    assert _read(str(back), 0, len(head)) == head and _read(str(back), GiB - 4096, 4096) == tail


def test_stats_count_volumes_and_their_provisioned_size(make_driver):
    drv, _ = make_driver("raw")
    for size in (1, 2):
        drv.create_volume(make_volume(size=size))
    stats = drv.get_volume_stats(refresh=True)
    pool = stats["pools"][0]
    assert pool["total_volumes"] == 2 and pool["provisioned_capacity_gb"] == 3.0
    assert pool["thin_provisioning_support"] is True
    assert 0 < pool["free_capacity_gb"] <= pool["total_capacity_gb"]
