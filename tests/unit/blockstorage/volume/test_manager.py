"""The volume manager's flows with a fake driver and in-memory volume objects.

The objects apply the real transitions table (``blockstorage.volume.states``), so a
flow that takes a transition its volume's status does not allow is caught here.
"""

from __future__ import annotations

import uuid
from types import SimpleNamespace
from typing import Any

import pytest

from blockstorage.volume import exception
from blockstorage.volume.manager import VolumeManager
from blockstorage.volume.states import TRANSITIONS
from common.config import CONF
from common.context import get_admin_context


class FakeVolume(SimpleNamespace):
    def __init__(self, **values: Any) -> None:
        defaults = dict(id=str(uuid.uuid4()), size=1, status="creating", attach_status="detached",
                        provider_location=None, provider_auth=None, snapshot_id=None,
                        source_volid=None, bootable=False, launched_at=None,
                        volume_attachment=[])  # fmt: skip
        super().__init__(**{**defaults, **values})
        self.saves: list[str] = []
        self.destroyed = False

    def save(self) -> None:
        self.saves.append(self.status)

    def take_transition(self, name: str, **values: Any) -> bool:
        step = TRANSITIONS[name]
        if step.sources and self.status not in step.sources:
            return False
        self.status = str(step.target)
        for key, value in values.items():
            setattr(self, key, value)
        self.saves.append(self.status)
        return True

    def destroy(self) -> None:
        self.destroyed = True

    def refresh(self) -> None:
        pass

    def finish_detach(self, attachment_id: str) -> None:
        self.volume_attachment = [a for a in self.volume_attachment if a.id != attachment_id]
        self.status, self.attach_status = "available", "detached"


class FakeDriver:
    def __init__(self) -> None:
        self.initialized = True
        self.calls: list[tuple] = []
        self.fail: set[str] = set()

    def __getattr__(self, name: str) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((name, *args))
            if name in self.fail:
                raise RuntimeError(f"{name} failed")
            if name == "create_export":
                return {"provider_location": "127.0.0.1:3260,1 iqn.x:volume-1 1",
                        "provider_auth": "CHAP u p"}  # fmt: skip
            if name == "initialize_connection":
                return {"driver_volume_type": "iscsi", "data": {"target_lun": 1}}
            if name == "get_volume_stats":
                return {"volume_backend_name": "lvm", "pools": [
                    {"pool_name": "lvm", "provisioned_capacity_gb": 3.0}]}  # fmt: skip
            return None

        return call

    def names(self) -> list[str]:
        return [c[0] for c in self.calls]


class FakeScheduler:
    def __init__(self) -> None:
        self.reports: list[dict] = []

    def update_service_capabilities(self, ctxt: Any, **kwargs: Any) -> None:
        self.reports.append(kwargs)


@pytest.fixture
def manager():
    mgr = VolumeManager(
        host="node1@lvm",
        backend="lvm",
        driver=FakeDriver(),
        configuration=SimpleNamespace(),
        scheduler_rpcapi=FakeScheduler(),
    )
    mgr.volumes: dict[str, FakeVolume] = {}
    mgr.get_volume = lambda ctxt, volume_id: mgr.volumes[volume_id]
    mgr.volumes_on_host = lambda ctxt: list(mgr.volumes.values())
    mgr.snapshots_of_volume = lambda ctxt, volume_id: []
    return mgr


@pytest.fixture
def ctxt():
    return get_admin_context()


def test_create_volume_ends_available(manager, ctxt):
    volume = FakeVolume()
    manager.create_volume(ctxt, volume, request_spec={}, filter_properties={})
    assert manager.driver.names() == ["create_volume"]
    assert volume.status == "available" and volume.launched_at is not None


def test_a_failed_create_removes_the_storage_and_ends_in_error(manager, ctxt):
    manager.driver.fail.add("create_volume")
    volume = FakeVolume()
    manager.create_volume(ctxt, volume)
    assert manager.driver.names() == ["create_volume", "delete_volume"]
    assert volume.status == "error"


def test_create_from_image_downloads_then_marks_bootable(manager, ctxt, monkeypatch):
    from blockstorage.volume import image_utils

    monkeypatch.setattr(image_utils, "get_image_service", lambda: "images")
    volume = FakeVolume()
    manager.create_volume(ctxt, volume, request_spec={"image_id": "img-1"})
    assert manager.driver.calls[1] == ("copy_image_to_volume", ctxt, volume, "images", "img-1")
    assert volume.saves == ["downloading", "downloading", "available"]
    assert volume.bootable is True and volume.status == "available"


def test_create_from_snapshot_and_clone_use_their_driver_calls(manager, ctxt):
    snap = SimpleNamespace(id="snap-1")
    manager.get_snapshot = lambda ctxt, snapshot_id: snap
    source = FakeVolume(status="available")
    manager.volumes[source.id] = source
    manager.create_volume(ctxt, FakeVolume(snapshot_id="snap-1"))
    manager.create_volume(ctxt, FakeVolume(source_volid=source.id))
    assert manager.driver.names() == ["create_volume_from_snapshot", "create_cloned_volume"]


def test_a_create_overtaken_by_a_delete_keeps_deleting(manager, ctxt):
    volume = FakeVolume()
    manager.driver.create_volume = lambda v: setattr(v, "status", "deleting")
    manager.create_volume(ctxt, volume)
    assert volume.status == "deleting"


def test_delete_removes_export_then_storage_then_row(manager, ctxt):
    volume = FakeVolume(status="deleting")
    manager.delete_volume(ctxt, volume)
    assert manager.driver.names() == ["remove_export", "delete_volume"]
    assert volume.destroyed


def test_a_failed_delete_ends_in_error_deleting(manager, ctxt):
    manager.driver.fail.add("delete_volume")
    volume = FakeVolume(status="deleting")
    manager.delete_volume(ctxt, volume)
    assert volume.status == "error_deleting" and not volume.destroyed


def test_extend(manager, ctxt):
    volume = FakeVolume(status="extending", size=1)
    manager.extend_volume(ctxt, volume, 3)
    assert (volume.status, volume.size) == ("available", 3)
    manager.driver.fail.add("extend_volume")
    other = FakeVolume(status="extending", size=1)
    manager.extend_volume(ctxt, other, 3)
    assert (other.status, other.size) == ("error_extending", 1)


def test_initialize_connection_exports_and_returns_connection_info(manager, ctxt):
    volume = FakeVolume(status="attaching")
    info = manager.initialize_connection(ctxt, volume, {"host": "compute1"})
    assert manager.driver.names() == ["create_export", "initialize_connection"]
    assert volume.provider_auth == "CHAP u p" and volume.saves == ["attaching"]
    assert info == {"driver_volume_type": "iscsi", "data": {
        "target_lun": 1, "volume_id": volume.id, "access_mode": "rw", "encrypted": False,
        "qos_specs": None}}  # fmt: skip


def test_a_failed_export_is_a_backend_error_for_the_caller(manager, ctxt):
    manager.driver.fail.add("create_export")
    with pytest.raises(exception.VolumeBackendAPIException, match="create_export failed"):
        manager.initialize_connection(ctxt, FakeVolume(status="attaching"), {})


def test_an_uninitialized_driver_refuses_work(manager, ctxt):
    manager.driver.initialized = False
    with pytest.raises(exception.DriverNotInitialized):
        manager.initialize_connection(ctxt, FakeVolume(), {})
    volume = FakeVolume()
    manager.create_volume(ctxt, volume)
    assert volume.status == "error" and "create_volume" not in manager.driver.names()


def test_detaching_the_last_attachment_removes_the_export(manager, ctxt):
    attachment = SimpleNamespace(id="att-1", attach_status="attached")
    volume = FakeVolume(status="detaching", attach_status="attached",
                        provider_location="loc", volume_attachment=[attachment])  # fmt: skip
    manager.volumes[volume.id] = volume
    manager.detach_volume(ctxt, volume.id, "att-1")
    assert manager.driver.names() == ["remove_export"]
    assert volume.status == "available" and volume.provider_location is None


def test_init_host_settles_interrupted_work_and_reexports(manager, ctxt):
    exported = FakeVolume(status="in-use", provider_location="loc", provider_auth="CHAP u p")
    creating = FakeVolume(status="creating")
    deleting = FakeVolume(status="deleting")
    extending = FakeVolume(status="extending")
    plain = FakeVolume(status="available")
    for volume in (exported, creating, deleting, extending, plain):
        manager.volumes[volume.id] = volume
    manager.init_host()
    assert ("ensure_export", exported) in [(c[0], c[2]) for c in manager.driver.calls
                                            if c[0] == "ensure_export"]  # fmt: skip
    assert len([c for c in manager.driver.calls if c[0] == "ensure_export"]) == 1
    assert creating.status == "error" and deleting.destroyed
    assert extending.status == "error_extending" and plain.status == "available"


def test_capabilities_go_to_the_scheduler(manager, ctxt):
    manager._report_driver_status(ctxt)
    (report,) = manager.scheduler_rpcapi.reports
    assert report["host"] == "node1@lvm" and report["service_name"] == "volume"
    assert report["capabilities"]["pools"][0]["allocated_capacity_gb"] == 3.0
    tasks = {name: spacing for name, _, spacing in manager._periodic_tasks()}
    assert tasks["_report_driver_status"] == CONF.backend_stats_polling_interval


def test_upload_returns_the_volume_to_available_and_drops_a_failed_image(
    manager, ctxt, monkeypatch
):
    from blockstorage.volume import image_utils

    deleted = []
    images = SimpleNamespace(show=lambda c, i: {"status": "queued"},
                             delete=lambda c, i: deleted.append(i))  # fmt: skip
    monkeypatch.setattr(image_utils, "get_image_service", lambda: images)
    volume = FakeVolume(status="uploading")
    manager.volumes[volume.id] = volume
    manager.copy_volume_to_image(ctxt, volume.id, {"id": "img-9"})
    assert volume.status == "available" and deleted == []
    manager.driver.fail.add("copy_volume_to_image")
    volume.status = "uploading"
    with pytest.raises(RuntimeError):
        manager.copy_volume_to_image(ctxt, volume.id, {"id": "img-9"})
    assert volume.status == "available" and deleted == ["img-9"]
