"""The volume transitions table, and that the objects apply it as compare-and-swaps."""

from __future__ import annotations

import threading

import pytest

import blockstorage.conf  # noqa: F401
from blockstorage import objects
from blockstorage.db import api as db_api
from blockstorage.volume import states
from blockstorage.volume.states import TRANSITIONS, AttachStatus, VolumeStatus
from common.config import CONF
from common.context import RequestContext, get_admin_context
from common.db import migration


def test_every_transition_names_known_statuses():
    for name, step in TRANSITIONS.items():
        assert step.target in set(VolumeStatus), name
        assert set(step.sources) <= set(VolumeStatus), name
        assert step.attach_target is None or step.attach_target in set(AttachStatus), name


def test_the_attach_cycle_is_closed():
    """available -> reserved/attaching -> in-use -> detaching -> available."""
    status = VolumeStatus.AVAILABLE
    for name in ("reserve", "attach_done", "begin_detaching", "detach_done"):
        assert states.allowed(name, status), (name, status)
        status = TRANSITIONS[name].target
    assert status == VolumeStatus.AVAILABLE
    assert states.allowed("attachment_reserve", VolumeStatus.AVAILABLE)
    assert TRANSITIONS["attachment_reserve"].target == VolumeStatus.RESERVED
    assert not states.allowed("delete", VolumeStatus.IN_USE)
    assert states.allowed("force_delete", VolumeStatus.CREATING)


@pytest.fixture
def db(tmp_path):
    CONF([], project="cinder", default_config_files=[])
    url = f"sqlite:///{tmp_path}/cinder.sqlite"
    migration.db_sync(url, "migrations.blockstorage")
    db_api.configure(url)
    yield
    db_api.reset_facade()
    CONF.reset()
    CONF.clear()


def test_concurrent_transitions_have_one_winner(db):
    ctxt = RequestContext(user_id="u", project_id="p")
    volume = objects.Volume(ctxt, user_id="u", project_id="p", size=1, status="available",
                            attach_status="detached")  # fmt: skip
    volume.create()
    results: list[bool] = []

    def reserve() -> None:
        mine = objects.Volume.get_by_id(ctxt, volume.id)
        results.append(mine.take_transition("reserve"))

    threads = [threading.Thread(target=reserve) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]
    assert objects.Volume.get_by_id(ctxt, volume.id).status == "attaching"


def test_concurrent_creates_stay_within_quota(db):
    admin = get_admin_context()
    objects.Quotas.update_limit(admin, "p", "volumes", 3)
    ctxt = RequestContext(user_id="u", project_id="p")
    outcomes: list[str] = []

    def create() -> None:
        volume = objects.Volume(ctxt, user_id="u", project_id="p", size=1, status="creating",
                                attach_status="detached")  # fmt: skip
        try:
            volume.create_with_quota()
            outcomes.append("created")
        except Exception as exc:  # noqa: BLE001
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=create) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("created") == 3
    assert outcomes.count("VolumeLimitExceeded") == 7
    assert objects.Quotas.get_usage(admin, "p")["volumes"] == 3
