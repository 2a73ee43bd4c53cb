"""cinder-scheduler's manager: reports in, a pool chosen, the cast to that backend, or
the volume in error with a user message."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import blockstorage.conf  # noqa: F401
from blockstorage import objects
from blockstorage.db import api as db_api
from blockstorage.scheduler.manager import SchedulerManager
from common.config import CONF
from common.context import RequestContext, get_admin_context
from common.db import migration

REPORT = {
    "volume_backend_name": "file",
    "storage_protocol": "iSCSI",
    "pools": [
        {
            "pool_name": "file",
            "total_capacity_gb": 100,
            "free_capacity_gb": 100,
            "thin_provisioning_support": True,
            "max_over_subscription_ratio": 1.0,
        }
    ],
}


class VolumeRPC:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def create_volume(self, ctxt, volume, request_spec, filter_properties, allow_reschedule):
        self.calls.append(("create_volume", volume, filter_properties))

    def publish_service_capabilities(self, ctxt):
        self.calls.append(("publish_service_capabilities", None, None))


@pytest.fixture
def manager(tmp_path) -> Iterator[SchedulerManager]:
    CONF([], project="cinder", default_config_files=[])
    url = f"sqlite:///{tmp_path}/cinder.sqlite"
    migration.db_sync(url, "migrations.blockstorage")
    db_api.configure(url)
    manager = SchedulerManager(host="ctl")
    manager._volume_rpcapi = VolumeRPC()
    manager.init_host()
    try:
        yield manager
    finally:
        db_api.reset_facade()
        CONF.reset()
        CONF.clear()


def new_volume(size: int = 10, type_name: str = "__DEFAULT__") -> Any:
    ctxt = RequestContext(user_id="u", project_id="p")
    vtype = objects.VolumeType.get_by_name(get_admin_context(), type_name)
    volume = objects.Volume(
        ctxt, user_id="u", project_id="p", size=size, status="creating",
        attach_status="detached", availability_zone="nova", volume_type_id=vtype.id,
        volume_type=vtype,
    )  # fmt: skip
    volume.create()
    spec = objects.RequestSpec(
        ctxt,
        volume_id=volume.id,
        volume=volume,
        volume_type=vtype,
        volume_properties={"size": size, "availability_zone": "nova"},
    )
    return volume, spec


def register_backend(manager: SchedulerManager, host: str = "node1@file") -> None:
    objects.Service(
        get_admin_context(), host=host, binary="cinder-volume", topic="cinder-volume",
        report_count=1, availability_zone="nova",
    ).create()  # fmt: skip
    manager.update_service_capabilities(get_admin_context(), "volume", host, REPORT)


def test_start_asks_the_backends_to_report(manager):
    manager.post_start_hook()
    assert manager.volume_rpcapi.calls == [("publish_service_capabilities", None, None)]


def test_create_volume_places_on_a_pool_and_casts(manager):
    register_backend(manager)
    volume, spec = new_volume(40)
    manager.create_volume(volume._context, volume, request_spec=spec, filter_properties={})
    (call,) = manager.volume_rpcapi.calls
    assert call[1].host == "node1@file#file"
    assert call[2]["retry"]["backends"] == ["node1@file#file"]
    stored = objects.Volume.get_by_id(get_admin_context(), volume.id)
    assert stored.host == "node1@file#file" and stored.scheduled_at is not None
    # The pool consumed 40 of 100 (ratio 1.0): 70 more do not fit until it reports again.
    big, big_spec = new_volume(70)
    manager.create_volume(big._context, big, request_spec=big_spec, filter_properties={})
    assert objects.Volume.get_by_id(get_admin_context(), big.id).status == "error"
    manager.update_service_capabilities(get_admin_context(), "volume", "node1@file", REPORT)
    again, again_spec = new_volume(70)
    manager.create_volume(again._context, again, request_spec=again_spec, filter_properties={})
    assert objects.Volume.get_by_id(get_admin_context(), again.id).host == "node1@file#file"


def test_no_backend_puts_the_volume_in_error_with_a_message(manager):
    volume, spec = new_volume()
    manager.create_volume(volume._context, volume, request_spec=spec, filter_properties={})
    assert manager.volume_rpcapi.calls == []
    stored = objects.Volume.get_by_id(get_admin_context(), volume.id)
    assert (stored.status, stored.host) == ("error", None)
    (message,) = db_api.message_get_all(RequestContext(user_id="u", project_id="p"))
    assert (message.resource_uuid, message.event_id) == (volume.id, "VOLUME_VOLUME_001_002")


def test_type_extra_specs_filter_backends(manager):
    register_backend(manager)
    admin = get_admin_context()
    objects.VolumeType(
        admin, name="remote", extra_specs={"storage_protocol": "<in> RBD"}, is_public=True
    ).create()
    volume, spec = new_volume(1, "remote")
    manager.create_volume(volume._context, volume, request_spec=spec, filter_properties={})
    assert objects.Volume.get_by_id(admin, volume.id).status == "error"
    pools = manager.get_pools(admin, {"backend_name": "file"})
    assert [p["name"] for p in pools] == ["node1@file#file"]
    assert manager.get_pools(admin, {"backend_name": "lvm"}) == []
