"""Block storage driven by its users' clients: python-cinderclient and openstackclient
against cinder-api, cinder-scheduler and cinder-volume (file driver) processes on
RabbitMQ and MariaDB."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from blockstorage import objects
from blockstorage.db import api as db_api
from common.context import get_admin_context
from tests.conftest import RABBIT_URL, _create_database, _drop_database, _rabbitmqctl
from tests.functional.blockstorage.cinder_cloud import CinderCloud
from tests.functional.daemons import wait_for

pytestmark = pytest.mark.rabbit
GiB = 1024**3


@pytest.fixture(scope="module")
def cloud(tmp_path_factory) -> Iterator[CinderCloud]:
    """One cloud for the module: its own MariaDB database and RabbitMQ vhost."""
    tmp = tmp_path_factory.mktemp("cinder")
    name = f"novella_test_{uuid.uuid4().hex[:12]}"
    vhost = f"novella-test-{uuid.uuid4().hex[:10]}"
    db_url = _create_database("mysql", name, tmp)
    _rabbitmqctl("add_vhost", vhost)
    _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    cloud = CinderCloud(tmp, db_url, f"{RABBIT_URL.rstrip('/')}/{vhost}")
    try:
        cloud.start_controller()
        cloud.start_volume()
        yield cloud
    finally:
        cloud.stop()
        _rabbitmqctl("delete_vhost", vhost)
        _drop_database("mysql", name)


def test_cinder_create_extend_snapshot_clone_delete(cloud):
    created = cloud.cinder_json("create", "--name", "data", "1")
    # cinderclient shows the volume as it reads it back right after the POST: on a quiet
    # machine the file driver has already made it.
    assert created["status"] in ("creating", "available")
    volume_id = created["id"]
    shown = cloud.wait_volume(volume_id, "available")
    assert (shown["size"], shown["volume_type"], shown["bootable"]) == ("1", "__DEFAULT__", "false")
    assert shown["os-vol-tenant-attr:tenant_id"] == "demo"
    listed = cloud.cinder("list").stdout
    assert volume_id in listed and "available" in listed
    backing = cloud.volume_dir / f"volume-{volume_id}"
    assert backing.stat().st_size == 1 * GiB

    cloud.cinder("extend", volume_id, "2")
    wait_for(lambda: cloud.cinder_json("show", volume_id)["size"] == "2", 60, what="extend")
    cloud.wait_volume(volume_id, "available")
    assert backing.stat().st_size == 2 * GiB
    refused = cloud.cinder("extend", volume_id, "1", check=False)
    assert "New size for extend must be greater than current size" in refused.stderr

    snap = cloud.cinder_json("snapshot-create", "--name", "s1", volume_id)
    snap_id = snap["id"]
    wait_for(
        lambda: cloud.cinder_json("snapshot-show", snap_id)["status"] == "available",
        60,
        what="snapshot available",
    )
    assert (cloud.volume_dir / f"snapshot-{snap_id}").exists()
    clone = cloud.cinder_json("create", "--snapshot-id", snap_id, "--name", "from-snap", "2")
    assert cloud.wait_volume(clone["id"], "available")["snapshot_id"] == snap_id

    # A volume with a snapshot cannot go; the snapshot first.
    refused = cloud.cinder("delete", volume_id, check=False)
    assert "must not be migrating, attached, belong to a group, have snapshots" in (
        refused.stdout + refused.stderr
    )
    cloud.cinder("snapshot-delete", snap_id)
    cloud.wait_gone("snapshot-show", snap_id)
    cloud.cinder("delete", volume_id, clone["id"])
    cloud.wait_gone("show", volume_id)
    cloud.wait_gone("show", clone["id"])
    assert not backing.exists()
    assert list(cloud.volume_dir.iterdir()) == []


def test_openstack_volume_commands(cloud):
    created = cloud.openstack("volume", "create", "--size", "1", "osc-vol", "-f", "json")
    assert created["status"] == "creating"
    volume_id = created["id"]
    cloud.wait_volume(volume_id, "available")
    listed = cloud.openstack("volume", "list", "-f", "json")
    assert [(v["Name"], v["Status"], v["Size"]) for v in listed if v["ID"] == volume_id] == [
        ("osc-vol", "available", 1)
    ]
    cloud.openstack("volume", "set", "--size", "2", "--property", "tier=gold", volume_id)
    cloud.wait_volume(volume_id, "available")
    shown = cloud.openstack("volume", "show", volume_id, "-f", "json")
    assert (shown["size"], shown["properties"]) == (2, {"tier": "gold"})
    snap = cloud.openstack(
        "volume", "snapshot", "create", "--volume", volume_id, "osc-snap", "-f", "json"
    )
    wait_for(
        lambda: (
            cloud.openstack("volume", "snapshot", "show", snap["id"], "-f", "json")["status"]
            == "available"
        ),
        60,
        what="snapshot available",
    )
    from_snap = cloud.openstack(
        "volume", "create", "--snapshot", snap["id"], "--size", "2", "osc-clone", "-f", "json"
    )
    cloud.wait_volume(from_snap["id"], "available")
    # The other tenant sees none of it.
    assert cloud.cinder("show", volume_id, user="alt", check=False).returncode != 0
    cloud.openstack("volume", "snapshot", "delete", snap["id"])
    cloud.wait_gone("snapshot-show", snap["id"])
    cloud.openstack("volume", "delete", volume_id, from_snap["id"])
    cloud.wait_gone("show", volume_id)
    cloud.wait_gone("show", from_snap["id"])


def test_types_capabilities_and_quotas(cloud):
    # Types: admins create them; a type whose extra specs no backend offers never lands.
    cloud.cinder("type-create", "gold", user="admin")
    cloud.cinder("type-key", "gold", "set", "volume_backend_name=nowhere", user="admin")
    cloud.openstack("volume", "type", "create", "--property", "volume_backend_name=file",
                    "silver", cloud="novella-admin")  # fmt: skip
    types = {t["Name"] for t in cloud.openstack("volume", "type", "list", "-f", "json")}
    assert {"__DEFAULT__", "gold", "silver"} <= types
    refused = cloud.cinder("type-create", "bronze", check=False)
    assert "Policy doesn't allow volume_extension:types_manage" in refused.stderr
    gold = cloud.cinder_json("create", "--volume-type", "gold", "1")
    cloud.wait_volume(gold["id"], "error")
    scheduler_log = cloud.daemons["cinder-scheduler"].log()
    assert (
        "No valid backend was found. No weighed backends available. Filtered: "
        "CapabilitiesFilter removed 1 of 1 backend pool." in scheduler_log
    )
    silver = cloud.cinder_json("create", "--volume-type", "silver", "1")
    assert cloud.wait_volume(silver["id"], "available")["volume_type"] == "silver"

    # Quotas: counted per project and per type, changed by admins.
    shown = cloud.cinder_json("quota-show", "demo")
    assert (shown["volumes"], shown["gigabytes"], shown["volumes_silver"]) == ("10", "1000", "-1")
    usage = cloud.cinder("quota-usage", "demo").stdout
    assert "volumes_silver" in usage
    cloud.cinder("quota-update", "--volumes", "2", "demo", user="admin")
    over = cloud.cinder("create", "1", check=False)
    assert "Maximum number of volumes allowed (2) exceeded for quota 'volumes'." in over.stderr
    assert "413" in over.stderr
    cloud.cinder("quota-delete", "demo", user="admin")
    assert cloud.cinder_json("quota-show", "demo")["volumes"] == "10"
    cloud.cinder("delete", gold["id"], silver["id"])
    cloud.wait_gone("show", gold["id"])
    cloud.wait_gone("show", silver["id"])
    limits = cloud.cinder_json("absolute-limits")
    assert (limits.get("maxTotalVolumes"), limits.get("totalVolumesUsed")) == ("10", "0")


def test_admin_views_services_pools_and_zones(cloud):
    services = cloud.openstack("volume", "service", "list", "-f", "json", cloud="novella-admin")
    assert {(s["Binary"], s["Host"], s["State"]) for s in services} >= {
        ("cinder-scheduler", "node1", "up"),
        ("cinder-volume", "node1@file-1", "up"),
    }
    pools = cloud.cinder("get-pools", "--detail", user="admin").stdout
    assert "node1@file-1#file" in pools and "thin_provisioning_support" in pools
    zones = cloud.openstack("availability", "zone", "list", "--volume", "-f", "json")
    assert [(z["Zone Name"], z["Zone Status"]) for z in zones] == [("nova", "available")]
    refused = cloud.cinder("service-list", check=False)
    assert refused.returncode != 0 and "Policy doesn't allow" in refused.stderr


@pytest.fixture
def cloud_without_backend(tmp_path, fresh_database, rabbit_vhost_url) -> Iterator[CinderCloud]:
    """cinder-api and cinder-scheduler only; the file backend's service row exists (it
    ran once) but nothing reports for it."""
    db_url = fresh_database("mysql")
    cloud = CinderCloud(tmp_path, db_url, rabbit_vhost_url)
    cloud.sync_db()
    db_api.configure(db_url)
    try:
        objects.Service(
            get_admin_context(), host="node1@file-1", binary="cinder-volume",
            topic="cinder-volume", report_count=1, availability_zone="nova",
        ).create()  # fmt: skip
    finally:
        db_api.reset_facade()
    cloud.start_controller()
    try:
        yield cloud
    finally:
        cloud.stop()


def test_no_valid_backend_fault(cloud_without_backend):
    cloud = cloud_without_backend
    volume_id = cloud.cinder_json("create", "--name", "lost", "1")["id"]
    cloud.wait_volume(volume_id, "error")
    messages = cloud.cinder("--os-volume-api-version", "3.3", "message-list").stdout
    assert volume_id in messages
    assert "schedule allocate volume:Could not find any available weighted backend." in messages
    assert (
        f"Failed to schedule volume {volume_id}: No valid backend was found. No weighed "
        "backends available. No volume backend is up and reporting its capabilities."
    ) in cloud.daemons["cinder-scheduler"].log()
    # A volume no backend ever got is deleted by the API itself.
    cloud.cinder("delete", volume_id)
    cloud.wait_gone("show", volume_id)
    assert cloud.cinder("list").stdout.count("lost") == 0
