"""Attachments (3.27), volume metadata, limits, quota sets, services, zones, pools and
messages through the cinder-api pipeline."""

from __future__ import annotations

import datetime

from blockstorage.db import api as db_api
from tests.unit.blockstorage.api.fakes import (  # noqa: F401  (fixture)
    ADMIN,
    ALICE,
    BOB,
    OTHER_PROJECT,
    PROJECT,
    api_fixture,
    fault,
)

SERVER = "4f3f5e0a-0000-4000-8000-000000000001"


def test_attachments_follow_cinders_flow(api):
    vol = api.volume()
    body = {"attachment": {"volume_uuid": vol.id, "instance_uuid": SERVER}}
    assert api.call("/attachments", "POST", body, version="3.26").status_int == 404
    resp = api.call("/attachments", "POST", body, version="3.27")
    assert resp.status_int == 200, resp.body
    att = resp.json["attachment"]
    assert set(att) == {
        "id", "status", "instance", "volume_id", "attached_at", "detached_at", "attach_mode",
        "connection_info",
    }  # fmt: skip
    assert (att["status"], att["instance"], att["connection_info"]) == ("reserved", SERVER, None)
    assert api.call(f"/volumes/{vol.id}").json["volume"]["status"] == "reserved"
    # A non-multiattach volume takes one reservation.
    again = {"attachment": {"volume_uuid": vol.id, "instance_uuid": SERVER.replace("1", "2")}}
    assert fault(api.call("/attachments", "POST", again, version="3.27"), 400) == (
        f"Invalid volume: Volume {vol.id} status must be available or downloading"
    )
    api.replies["attachment_update"] = {"driver_volume_type": "iscsi", "data": {"lun": 1}}
    connector = {"attachment": {"connector": {"host": "compute1", "initiator": "iqn.x"}}}
    updated = api.call(f"/attachments/{att['id']}", "PUT", connector, version="3.27")
    assert updated.json["attachment"]["connection_info"] == {
        "driver_volume_type": "iscsi",
        "data": {"lun": 1},
    }
    sent = api.sent("attachment_update")[-1]
    assert (sent["vref"].id, sent["attachment_id"]) == (vol.id, att["id"])
    listed = api.call("/attachments", version="3.27").json["attachments"]
    assert listed == [
        {"id": att["id"], "status": "reserved", "instance": SERVER, "volume_id": vol.id}
    ]
    assert api.call("/attachments", token=BOB, version="3.27").json == {"attachments": []}
    assert fault(api.call(f"/attachments/{att['id']}", token=BOB, version="3.27"), 404)
    detail = api.call(f"/attachments/detail?volume_id={vol.id}", version="3.27").json
    assert detail["attachments"][0]["connection_info"]["data"] == {"lun": 1}
    deleted = api.call(f"/attachments/{att['id']}", "DELETE", version="3.27")
    assert deleted.json == {"attachments": []}
    assert api.call(f"/volumes/{vol.id}").json["volume"]["status"] == "available"
    # A reservation without a connection is released without asking the backend.
    assert api.sent("attachment_delete") == []
    bad = {"attachment": {"volume_uuid": "nope"}}
    assert fault(api.call("/attachments", "POST", bad, version="3.27"), 400)


def test_attached_volume_shows_its_attachment(api):
    vol = api.volume(status="reserved")
    att = db_api.volume_attach(api.admin, {"volume_id": vol.id, "attach_status": "reserved"})
    db_api.volume_attached(api.admin, att.id, SERVER, "compute1", "/dev/vdb", "rw")
    shown = api.call(f"/volumes/{vol.id}").json["volume"]
    assert shown["status"] == "in-use"
    (entry,) = shown["attachments"]
    assert {k: entry[k] for k in ("attachment_id", "server_id", "host_name", "device")} == {
        "attachment_id": att.id,
        "server_id": SERVER,
        "host_name": "compute1",
        "device": "/dev/vdb",
    }
    assert shown["metadata"] == {"attached_mode": "rw"}
    assert fault(api.call(f"/volumes/{vol.id}", "DELETE"), 400)


def test_volume_metadata_api(api):
    vol = api.volume(metadata={"a": "1"})
    base = f"/volumes/{vol.id}/metadata"
    assert api.call(base).json == {"metadata": {"a": "1"}}
    assert api.call(base, "POST", {"metadata": {"b": "2"}}).json == {
        "metadata": {"a": "1", "b": "2"}
    }
    assert api.call(f"{base}/b").json == {"meta": {"b": "2"}}
    assert api.call(f"{base}/b", "PUT", {"meta": {"b": "3"}}).json == {"meta": {"b": "3"}}
    assert fault(api.call(f"{base}/b", "PUT", {"meta": {"c": "3"}}), 400) == (
        "Request body and URI mismatch"
    )
    assert api.call(f"{base}/a", "DELETE").status_int == 200
    assert fault(api.call(f"{base}/a"), 404) == "Metadata item was not found"
    assert "ETag" not in api.call(base, version="3.14").headers
    tag = api.call(base, version="3.15").headers["ETag"]
    stale = {"If-Match": "0" * 32}
    resp = api.call(base, "PUT", {"metadata": {"x": "y"}}, version="3.15", headers=stale)
    assert resp.status_int == 412
    ok = api.call(base, "PUT", {"metadata": {"x": "y"}}, version="3.15", headers={"If-Match": tag})
    assert ok.json == {"metadata": {"x": "y"}}
    assert fault(api.call(base, token=BOB), 404)


def test_limits_and_quota_sets(api):
    api.volume(size=3)
    api.snapshot(api.volume(size=2))
    limits = api.call("/limits").json["limits"]
    assert limits["rate"] == []
    assert limits["absolute"] == {
        "maxTotalVolumes": 10,
        "maxTotalSnapshots": 10,
        "maxTotalVolumeGigabytes": 1000,
        "maxTotalBackups": 10,
        "maxTotalBackupGigabytes": 1000,
        "totalVolumesUsed": 2,
        "totalSnapshotsUsed": 1,
        "totalGigabytesUsed": 7,
        "totalBackupsUsed": 0,
        "totalBackupGigabytesUsed": 0,
    }
    shown = api.call(f"/os-quota-sets/{PROJECT}").json["quota_set"]
    assert shown == {
        "id": PROJECT, "volumes": 10, "snapshots": 10, "gigabytes": 1000, "backups": 10,
        "backup_gigabytes": 1000, "groups": 10, "per_volume_gigabytes": -1,
        "volumes___DEFAULT__": -1, "snapshots___DEFAULT__": -1, "gigabytes___DEFAULT__": -1,
    }  # fmt: skip
    usage = api.call(f"/os-quota-sets/{PROJECT}?usage=true").json["quota_set"]
    assert usage["gigabytes"] == {"limit": 1000, "in_use": 7, "reserved": 0}
    assert usage["volumes___DEFAULT__"] == {"limit": -1, "in_use": 2, "reserved": 0}
    defaults = api.call(f"/os-quota-sets/{PROJECT}/defaults").json["quota_set"]
    assert defaults["volumes"] == 10
    assert fault(api.call(f"/os-quota-sets/{OTHER_PROJECT}"), 403)
    change = {"quota_set": {"volumes": 5, "gigabytes___DEFAULT__": 50}}
    assert fault(api.call(f"/os-quota-sets/{PROJECT}", "PUT", change), 403) == (
        "Policy doesn't allow volume_extension:quotas:update to be performed."
    )
    updated = api.call(f"/os-quota-sets/{PROJECT}", "PUT", change, ADMIN).json["quota_set"]
    assert (updated["volumes"], updated["gigabytes___DEFAULT__"]) == (5, 50)
    assert fault(
        api.call(f"/os-quota-sets/{PROJECT}", "PUT", {"quota_set": {"volumes": 1}}, ADMIN), 400
    ) == (  # fmt: skip
        "Quota volumes limit must be equal or greater than existing resources. Current usage "
        "is 2 and the requested limit is 1."
    )
    assert fault(api.call(f"/os-quota-sets/{PROJECT}", "PUT", {"quota_set": {"bogus": 1}},
                          ADMIN), 400) == "Bad key(s) in quota set: bogus"  # fmt: skip
    assert fault(api.call(f"/os-quota-sets/{PROJECT}", "PUT", {"quota_set": {"volumes": -2}},
                          ADMIN), 400)  # fmt: skip
    assert api.call(f"/os-quota-sets/{PROJECT}", "DELETE", token=ADMIN).status_int == 200
    assert api.call(f"/os-quota-sets/{PROJECT}").json["quota_set"]["volumes"] == 10


def test_services_zones_and_pools(api):
    api.service("node1@file", zone="nova")
    api.service("node2@lvm", zone="az2", disabled=True)
    assert fault(api.call("/os-services"), 403)
    services = api.call("/os-services", token=ADMIN).json["services"]
    assert [(s["host"], s["zone"], s["status"]) for s in services] == [
        ("node1@file", "nova", "enabled"),
        ("node2@lvm", "az2", "disabled"),
    ]
    assert "cluster" not in services[0]
    assert "cluster" in api.call("/os-services", token=ADMIN, version="3.7").json["services"][0]
    assert len(api.call("/os-services?host=node2@lvm", token=ADMIN).json["services"]) == 1
    body = {"host": "node2@lvm", "binary": "cinder-volume"}
    resp = api.call("/os-services/enable", "PUT", body, ADMIN)
    assert resp.json == {
        "host": "node2@lvm",
        "service": "",
        "binary": "cinder-volume",
        "status": "enabled",
        "disabled": False,
    }
    reason = {**body, "disabled_reason": "maintenance"}
    resp = api.call("/os-services/disable-log-reason", "PUT", reason, ADMIN)
    assert (resp.json["status"], resp.json["disabled_reason"]) == ("disabled", "maintenance")
    assert fault(api.call("/os-services/frobnicate", "PUT", body, ADMIN), 404)
    missing = {"host": "nowhere", "binary": "cinder-volume"}
    assert fault(api.call("/os-services/enable", "PUT", missing, ADMIN), 404)
    zones = api.call("/os-availability-zone").json
    assert zones == {
        "availabilityZoneInfo": [
            {"zoneName": "az2", "zoneState": {"available": False}},
            {"zoneName": "nova", "zoneState": {"available": True}},
        ]
    }
    pools = [{"name": "node1@file#file", "capabilities": {"total_capacity_gb": 10}}]
    api.replies["get_pools"] = pools
    assert fault(api.call("/scheduler-stats/get_pools"), 403)
    assert api.call("/scheduler-stats/get_pools", token=ADMIN).json == {
        "pools": [{"name": "node1@file#file"}]
    }
    detail = api.call("/scheduler-stats/get_pools?detail=true", token=ADMIN).json
    assert detail == {"pools": pools}


def test_messages_api(api):
    vol = api.volume(status="error")
    now = datetime.datetime(2026, 1, 1)
    row = db_api.message_create(
        api.admin,
        {
            "project_id": PROJECT,
            "resource_type": "VOLUME",
            "resource_uuid": vol.id,
            "event_id": "VOLUME_VOLUME_001_002",
            "message_level": "ERROR",
            "action_id": "001",
            "detail_id": "002",
            "expires_at": now,
        },
    )
    assert api.call("/messages", version="3.2").status_int == 404
    (message,) = api.call("/messages", version="3.3").json["messages"]
    assert message["user_message"] == (
        "schedule allocate volume:Could not find any available weighted backend."
    )
    assert (message["resource_uuid"], message["guaranteed_until"]) == (
        vol.id,
        "2026-01-01T00:00:00.000000",
    )
    assert api.call("/messages", token=BOB, version="3.3").json == {"messages": []}
    assert api.call(f"/messages/{row.id}", version="3.3").json["message"]["id"] == row.id
    assert api.call(f"/messages/{row.id}", "DELETE", version="3.3").status_int == 204
    assert fault(api.call(f"/messages/{row.id}", version="3.3"), 404)
