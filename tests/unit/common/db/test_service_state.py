"""Up/down and enabled/disabled as nova-manage and cinder-manage show them (SQLite)."""

from __future__ import annotations

import datetime as dt

import pytest

from blockstorage.cmd import manage as cinder_manage
from blockstorage.db import api as cinder_db
from common.config import CONF
from common.context import get_admin_context
from common.db import migration
from common.db.models import utcnow
from compute.cmd import manage as nova_manage
from compute.db import api as nova_db


@pytest.fixture
def nova(tmp_path):
    url = f"sqlite:///{tmp_path / 'nova.sqlite'}"
    migration.db_sync(url, nova_db.MIGRATIONS)
    nova_db.configure(url, max_retries=0)
    yield nova_db
    nova_db.reset_facade()


@pytest.fixture
def cinder(tmp_path):
    url = f"sqlite:///{tmp_path / 'cinder.sqlite'}"
    migration.db_sync(url, cinder_db.MIGRATIONS)
    cinder_db.configure(url, max_retries=0)
    yield cinder_db
    cinder_db.reset_facade()


def _ago(seconds: float) -> dt.datetime:
    return utcnow() - dt.timedelta(seconds=seconds)


def _nova_states(host: str | None = None) -> dict[str, list[str]]:
    return {row[1]: row for row in nova_manage.service_rows(host)}


def test_fresh_heartbeat_is_up_and_stale_is_down(nova):
    ctxt = get_admin_context()
    nova.service_create(
        ctxt,
        {"host": "fresh", "binary": "nova-compute", "topic": "compute", "last_seen_up": _ago(5)},
    )
    nova.service_create(
        ctxt,
        {
            "host": "stale",
            "binary": "nova-compute",
            "topic": "compute",
            "last_seen_up": _ago(CONF.service_down_time + 30),
        },
    )
    rows = _nova_states()
    assert rows["fresh"][4] == "up"
    assert rows["stale"][4] == "down"


def test_heartbeat_through_report_count_brings_a_service_up(nova):
    ctxt = get_admin_context()
    svc = nova.service_create(
        ctxt,
        {"host": "h", "binary": "nova-scheduler", "topic": "scheduler", "created_at": _ago(3600)},
    )
    assert _nova_states()["h"][4] == "down"
    svc = nova.service_update(ctxt, svc.id, {"report_count": svc.report_count + 1})
    assert svc.last_seen_up is not None
    assert _nova_states()["h"][4] == "up"


def test_forced_down_wins_over_a_fresh_heartbeat(nova):
    ctxt = get_admin_context()
    nova.service_create(
        ctxt,
        {
            "host": "h",
            "binary": "nova-compute",
            "topic": "compute",
            "last_seen_up": utcnow(),
            "forced_down": True,
        },
    )
    assert _nova_states()["h"][4] == "down"


def test_service_down_time_is_honoured(nova):
    ctxt = get_admin_context()
    nova.service_create(
        ctxt, {"host": "h", "binary": "nova-compute", "topic": "compute", "last_seen_up": _ago(90)}
    )
    CONF.set_override("service_down_time", 120)
    try:
        assert _nova_states()["h"][4] == "up"
    finally:
        CONF.clear_override("service_down_time")
    assert _nova_states()["h"][4] == "down"  # default 60s


def test_zone_status_and_host_filter(nova):
    ctxt = get_admin_context()
    nova.service_create(ctxt, {"host": "c1", "binary": "nova-compute", "topic": "compute"})
    cond = nova.service_create(
        ctxt, {"host": "ctl", "binary": "nova-conductor", "topic": "conductor"}
    )
    nova.service_update(ctxt, cond.id, {"disabled": True, "disabled_reason": "maintenance"})
    rows = _nova_states()
    assert rows["c1"][2:4] == ["nova", "enabled"]
    assert rows["ctl"][2:4] == ["internal", "disabled"]
    assert list(_nova_states("c1")) == ["c1"]


def test_cinder_state_follows_updated_at_and_survives_disable(cinder):
    ctxt = get_admin_context()
    up = cinder.service_create(
        ctxt, {"host": "n1@lvm", "binary": "cinder-volume", "topic": "cinder-volume"}
    )
    up = cinder.service_update(ctxt, up.id, {"report_count": 1})
    stale = cinder.service_create(
        ctxt,
        {
            "host": "n2@lvm",
            "binary": "cinder-volume",
            "topic": "cinder-volume",
            "created_at": _ago(600),
        },
    )
    states = {row[1]: row for row in cinder_manage.service_rows()}
    assert states["n1@lvm"][4] == ":-)"
    assert states["n2@lvm"][4] == "XXX"
    # Disabling a dead service must not refresh its heartbeat and show it alive.
    cinder.service_update(ctxt, stale.id, {"disabled": True})
    states = {row[1]: row for row in cinder_manage.service_rows()}
    assert states["n2@lvm"][3:5] == ("disabled", "XXX")
    assert cinder.service_get(ctxt, stale.id).modified_at is not None
