"""POST /servers/{id}/action, /servers/{id}/metadata and os-instance-actions through the
nova-api paste pipeline: what each action casts, the task_state it saves, and Nova's
409 / 403 / 400 answers."""

from __future__ import annotations

import pytest

from common.context import RequestContext, get_admin_context
from compute import objects
from tests.unit.compute.api.servers_env import ADMIN, BOB, make_cloud


@pytest.fixture
def cloud(tmp_path):
    yield from make_cloud(tmp_path)


@pytest.fixture
def active(cloud) -> str:
    server_id = cloud.boot()
    cloud.set_state(server_id)
    return server_id


def message(res):
    (body,) = res.json.values()
    return body["message"]


# -- power actions ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "method", "task_state", "status"),
    [
        ({"reboot": {"type": "SOFT"}}, "reboot_instance", "rebooting", "REBOOT"),
        ({"reboot": {"type": "hard"}}, "reboot_instance", "rebooting_hard", "HARD_REBOOT"),
        ({"os-stop": None}, "stop_instance", "powering-off", "ACTIVE"),
        ({"pause": None}, "pause_instance", "pausing", "ACTIVE"),
        ({"suspend": None}, "suspend_instance", "suspending", "ACTIVE"),
    ],
)
def test_action_on_active_server_casts_to_its_host(cloud, active, body, method, task_state, status):
    res = cloud.action(active, body)
    assert res.status_int == 202 and res.body == b""
    (cast,) = cloud.compute.wait_for(method)
    assert cast["instance"].uuid == active
    assert cast["instance"].task_state == task_state
    if method == "reboot_instance":
        assert cast["reboot_type"] == body["reboot"]["type"].upper()
    assert cloud.instance(active).task_state == task_state
    assert cloud.get(f"/servers/{active}").json["server"]["status"] == status
    (action,) = [
        a for a in cloud.get(f"/servers/{active}/os-instance-actions").json["instanceActions"]
        if a["action"] != "create"
    ]  # fmt: skip
    assert action["action"] == next(iter(body)).replace("os-", "")


@pytest.mark.parametrize(
    ("vm_state", "body", "method"),
    [
        ("stopped", {"os-start": None}, "start_instance"),
        ("paused", {"unpause": None}, "unpause_instance"),
        ("suspended", {"resume": None}, "resume_instance"),
    ],
)
def test_returning_actions(cloud, vm_state, body, method):
    server_id = cloud.boot()
    cloud.set_state(server_id, vm_state=vm_state, power_state=4)
    assert cloud.action(server_id, body).status_int == 202
    cloud.compute.wait_for(method)


@pytest.mark.parametrize(
    ("body", "api_action"),
    [
        ({"os-start": None}, "start"),
        ({"unpause": None}, "unpause"),
        ({"resume": None}, "resume"),
        ({"confirmResize": None}, "confirmResize"),
        ({"revertResize": None}, "revertResize"),
    ],
)
def test_action_from_wrong_vm_state_is_409_with_nova_message(cloud, active, body, api_action):
    res = cloud.action(active, body)
    assert res.status_int == 409
    assert res.json["conflictingRequest"]["message"] == (
        f"Cannot '{api_action}' instance {active} while it is in vm_state active"
    )
    assert cloud.instance(active).task_state is None


def test_pause_while_building_and_during_a_task(cloud):
    server_id = cloud.boot()
    res = cloud.action(server_id, {"pause": None})
    assert res.status_int == 409
    assert message(res) == f"Cannot 'pause' instance {server_id} while it is in vm_state building"
    cloud.set_state(server_id, task_state="powering-off")
    res = cloud.action(server_id, {"pause": None})
    assert message(res) == (
        f"Cannot 'pause' instance {server_id} while it is in task_state powering-off"
    )


def test_stopped_server_refuses_stop(cloud):
    server_id = cloud.boot()
    cloud.set_state(server_id, vm_state="stopped", power_state=4)
    res = cloud.action(server_id, {"os-stop": None})
    assert res.status_int == 409
    assert message(res) == f"Cannot 'stop' instance {server_id} while it is in vm_state stopped"


def test_second_concurrent_action_loses_the_compare_and_swap(cloud, active):
    assert cloud.action(active, {"reboot": {"type": "SOFT"}}).status_int == 202
    res = cloud.action(active, {"reboot": {"type": "SOFT"}})
    assert res.status_int == 409
    # A hard reboot may interrupt a soft one, as in Nova.
    assert cloud.action(active, {"reboot": {"type": "HARD"}}).status_int == 202
    assert cloud.instance(active).task_state == "rebooting_hard"


def test_bad_action_bodies(cloud, active):
    res = cloud.action(active, {"reboot": {"type": "MEDIUM"}})
    assert res.status_int == 400
    assert message(res).startswith("Invalid input for field/attribute ")
    assert cloud.action(active, {"reboot": {}}).status_int == 400
    res = cloud.action(active, {"fly": None})
    assert res.status_int == 400 and message(res) == "There is no such action: fly"
    assert cloud.action(active, {"pause": None, "resume": None}).status_int == 400


# -- lock ------------------------------------------------------------------------------


def test_lock_blocks_the_owner_not_the_admin(cloud, active):
    assert cloud.action(active, {"lock": None}).status_int == 202
    stored = cloud.instance(active)
    assert stored.locked and stored.locked_by == "owner"
    res = cloud.action(active, {"os-stop": None})
    assert res.status_int == 409
    assert message(res) == f"Instance {active} is locked"
    res = cloud.request("POST", f"/servers/{active}/metadata", {"metadata": {"a": "b"}})
    assert res.status_int == 409
    assert cloud.action(active, {"os-stop": None}, token=ADMIN).status_int == 202
    assert cloud.action(active, {"unlock": None}).status_int == 202
    assert not cloud.instance(active).locked


def test_admin_lock_needs_unlock_override(cloud, active):
    assert cloud.action(active, {"lock": None}, token=ADMIN).status_int == 202
    assert cloud.instance(active).locked_by == "admin"
    res = cloud.action(active, {"unlock": None})
    assert res.status_int == 403
    assert message(res) == (
        "Policy doesn't allow os_compute_api:os-lock-server:unlock:unlock_override to be performed."
    )
    assert cloud.action(active, {"unlock": None}, token=ADMIN).status_int == 202


# -- delete ----------------------------------------------------------------------------


def test_force_delete(cloud):
    server_id = cloud.boot()
    assert cloud.action(server_id, {"forceDelete": None}).status_int == 202
    assert cloud.instance(server_id).deleted
    assert cloud.action(server_id, {"forceDelete": None}).status_int == 404


# -- rebuild, resize -------------------------------------------------------------------


def test_rebuild_answers_the_server_with_admin_pass(cloud, active):
    body = {
        "rebuild": {
            "imageRef": cloud.image["id"],
            "name": "rebuilt",
            "adminPass": "s3cret",
            "metadata": {"v": "2"},
        }
    }
    res = cloud.action(active, body)
    assert res.status_int == 202
    server = res.json["server"]
    assert server["adminPass"] == "s3cret"
    assert server["name"] == "rebuilt" and server["metadata"] == {"v": "2"}
    assert server["status"] == "REBUILD"
    assert res.headers["Location"].endswith(f"/servers/{active}")
    (cast,) = cloud.conductor.wait_for("rebuild_instance")
    assert cast["image_ref"] == cloud.image["id"]
    assert cast["orig_image_ref"] == cloud.image["id"]
    assert cast["admin_password"] == "s3cret"


def test_rebuild_refusals(cloud, active):
    missing = "7c6f1d2e-0000-4000-8000-000000000000"
    res = cloud.action(active, {"rebuild": {"imageRef": missing}})
    assert res.status_int == 400 and message(res) == "Cannot find image for rebuild"
    res = cloud.action(active, {"rebuild": {"imageRef": "nope"}})
    assert res.status_int == 400 and message(res) == "Invalid imageRef provided."
    assert cloud.action(active, {"rebuild": {}}).status_int == 400


def test_resize_casts_to_conductor_with_the_new_flavor(cloud, active):
    res = cloud.action(active, {"resize": {"flavorRef": "2"}})
    assert res.status_int == 202
    (cast,) = cloud.conductor.wait_for("resize_instance")
    assert cast["flavor"].flavorid == "2"
    assert cast["request_spec"].flavor.flavorid == "2"
    assert cast["instance"].task_state == "resize_prep"
    assert cloud.get(f"/servers/{active}").json["server"]["status"] == "RESIZE"


def test_resize_refusals(cloud, active):
    res = cloud.action(active, {"resize": {"flavorRef": "1"}})
    assert res.status_int == 400 and message(res) == "Resize requires a flavor change."
    res = cloud.action(active, {"resize": {"flavorRef": "999"}})
    assert res.status_int == 400 and message(res) == "Unable to locate requested flavor."
    objects.Quotas.create_limit(get_admin_context(), "0a11ce", "cores", 1)
    res = cloud.action(active, {"resize": {"flavorRef": "3"}})
    assert res.status_int == 403
    assert message(res).startswith("Quota exceeded for cores: Requested 1, but already used 1")


def test_confirm_and_revert_resize(cloud, active):
    # As compute.worker.resize leaves it: moved from compute0 to compute1.
    cloud.set_state(active, vm_state="resized", host="compute1")
    instance = cloud.instance(active)
    instance.system_metadata = {
        **instance.system_metadata,
        "resize_source_host": "compute0",
        "resize_source_node": "compute0",
        "resize_dest_host": "compute1",
        "resize_dest_node": "compute1",
    }
    instance.save()
    assert cloud.get(f"/servers/{active}").json["server"]["status"] == "VERIFY_RESIZE"
    res = cloud.action(active, {"revertResize": None})
    assert res.status_int == 202
    (cast,) = cloud.compute.wait_for("revert_resize")  # to the destination, compute1
    assert cast["migration"]["resize_source_host"] == "compute0"
    assert cloud.get(f"/servers/{active}").json["server"]["status"] == "REVERT_RESIZE"
    cloud.set_state(active, vm_state="resized")
    res = cloud.action(active, {"confirmResize": None})
    assert res.status_int == 204
    (cast,) = cloud.compute.wait_for("confirm_resize")  # to the source, compute0
    assert cast["migration"]["resize_dest_host"] == "compute1"
    assert cloud.instance(active).task_state is None


# -- createImage -----------------------------------------------------------------------


def test_create_image_registers_a_queued_snapshot(cloud, active):
    res = cloud.action(active, {"createImage": {"name": "snap", "metadata": {"k": "v"}}})
    assert res.status_int == 202 and res.body == b""
    image_id = res.headers["Location"].rsplit("/", 1)[1]
    assert res.headers["Location"] == f"http://localhost/v2.1/images/{image_id}"
    image = cloud.store.show(get_admin_context(), image_id)
    assert image["name"] == "snap" and image["status"] == "queued"
    assert image["properties"]["instance_uuid"] == active
    assert image["properties"]["image_type"] == "snapshot"
    assert image["properties"]["k"] == "v"
    (cast,) = cloud.compute.wait_for("snapshot_instance")
    assert cast["image_id"] == image_id
    assert cloud.instance(active).task_state == "image_snapshot"
    # Busy now: a second snapshot is refused and leaves no image behind.
    before = len(cloud.store.detail(get_admin_context()))
    res = cloud.action(active, {"createImage": {"name": "again"}})
    assert res.status_int == 409
    assert len(cloud.store.detail(get_admin_context())) == before
    assert cloud.action(active, {"createImage": {}}).status_int == 400


# -- server metadata -------------------------------------------------------------------


def test_server_metadata_crud(cloud, active):
    base = f"/servers/{active}/metadata"
    assert cloud.get(base).json == {"metadata": {}}
    res = cloud.request("PUT", base, {"metadata": {"a": "1", "b": "2"}})
    assert res.status_int == 200 and res.json == {"metadata": {"a": "1", "b": "2"}}
    res = cloud.request("POST", base, {"metadata": {"b": "3", "c": "4"}})
    assert res.json == {"metadata": {"a": "1", "b": "3", "c": "4"}}
    assert cloud.get(f"{base}/b").json == {"meta": {"b": "3"}}
    res = cloud.request("PUT", f"{base}/d", {"meta": {"d": "5"}})
    assert res.status_int == 200 and res.json == {"meta": {"d": "5"}}
    res = cloud.request("PUT", f"{base}/d", {"meta": {"e": "5"}})
    assert res.status_int == 400 and message(res) == "Request body and URI mismatch"
    assert cloud.request("PUT", f"{base}/d", {"meta": {"d": "5", "e": "6"}}).status_int == 400
    res = cloud.request("DELETE", f"{base}/a")
    assert res.status_int == 204
    res = cloud.request("DELETE", f"{base}/a")
    assert res.status_int == 404 and message(res) == "Metadata item was not found"
    res = cloud.get(f"{base}/zz")
    assert res.status_int == 404 and message(res) == "Metadata item was not found"
    assert cloud.get(base).json == {"metadata": {"b": "3", "c": "4", "d": "5"}}
    assert cloud.instance(active).metadata == {"b": "3", "c": "4", "d": "5"}
    assert cloud.get(base, token=BOB).status_int == 404


def test_server_metadata_refusals(cloud, active):
    base = f"/servers/{active}/metadata"
    assert cloud.request("POST", base, {"metadata": {"k": "v" * 256}}).status_int == 400
    objects.Quotas.create_limit(get_admin_context(), "0a11ce", "metadata_items", 2)
    res = cloud.request("POST", base, {"metadata": {"a": "1", "b": "2", "c": "3"}})
    assert res.status_int == 403
    assert message(res) == "Maximum number of metadata items exceeds 2"
    cloud.set_state(active, task_state="rebooting")
    res = cloud.request("POST", base, {"metadata": {"a": "1"}})
    assert res.status_int == 409
    assert message(res) == (
        f"Cannot 'update metadata' instance {active} while it is in task_state rebooting"
    )


# -- os-instance-actions ---------------------------------------------------------------


def test_instance_actions_list_show_and_events_for_admins(cloud, active):
    res = cloud.action(active, {"os-stop": None})
    request_id = res.headers["X-Openstack-Request-Id"]
    actions = cloud.get(f"/servers/{active}/os-instance-actions").json["instanceActions"]
    assert [a["action"] for a in actions] == ["stop", "create"]
    stop = actions[0]
    assert set(stop) == {
        "action", "instance_uuid", "request_id", "user_id", "project_id", "start_time",
        "message",
    }  # fmt: skip
    assert stop["request_id"] == request_id and stop["user_id"] == "alice"
    assert len(stop["start_time"]) == len("2026-01-01T00:00:00.000000")

    # The compute host records the steps of the action under the same request id.
    host_ctxt = RequestContext(is_admin=True, roles=["admin"], request_id=request_id)
    objects.InstanceActionEvent.event_start(
        host_ctxt, active, "compute_stop_instance", host="compute1"
    )
    objects.InstanceActionEvent.event_finish_with_failure(
        host_ctxt, active, "compute_stop_instance", exc_val="boom", exc_tb="Traceback..."
    )
    shown = cloud.get(f"/servers/{active}/os-instance-actions/{request_id}")
    assert shown.status_int == 200
    assert "events" not in shown.json["instanceAction"]
    admin = cloud.get(f"/servers/{active}/os-instance-actions/{request_id}", token=ADMIN)
    (event,) = admin.json["instanceAction"]["events"]
    assert event["event"] == "compute_stop_instance" and event["result"] == "Error"
    assert event["traceback"] == "Traceback..."
    assert event["finish_time"] is not None
    res = cloud.get(f"/servers/{active}/os-instance-actions/req-nope")
    assert res.status_int == 404 and message(res) == "Action req-nope not found"
    assert cloud.get(f"/servers/{active}/os-instance-actions", token=BOB).status_int == 404
