"""Instance states: Nova's values, the API status a user sees, and which actions are allowed.

The expected values below are written out from Nova's Compute API (not computed from
compute.states), so a wrong entry in the module's tables makes a test fail.
"""

from __future__ import annotations

import itertools
import json
import logging
from types import SimpleNamespace

import pytest

from compute import exception, states
from compute.states import (
    ACTIONS,
    Action,
    PowerState,
    TaskState,
    VmState,
    check_action_allowed,
    check_instance_action,
    power_state,
    status_from_state,
    task_and_vm_state_from_status,
    task_states,
    vm_states,
)

UUID = "9d2e6b0c-3c1f-4a51-8f7e-2b1a0c9d8e7f"


def test_values_are_novas_wire_values():
    assert vm_states.ACTIVE == "active"
    assert vm_states.SOFT_DELETED == "soft-delete"
    assert vm_states.SHELVED_OFFLOADED == "shelved_offloaded"
    assert task_states.POWERING_OFF == "powering-off"
    assert task_states.REBOOT_PENDING_HARD == "reboot_pending_hard"
    assert task_states.REBUILD_SPAWNING == "rebuild_spawning"
    assert task_states.RESIZE_MIGRATED == "resize_migrated"
    assert [int(s) for s in PowerState] == [0, 1, 3, 4, 6, 7]
    assert power_state.SHUTDOWN.label == "shutdown"
    assert power_state.NOSTATE.label == "pending"


def test_states_travel_as_plain_json_values():
    payload = {"vm": VmState.STOPPED, "task": TaskState.REBOOTING, "power": PowerState.CRASHED}
    assert json.loads(json.dumps(payload)) == {"vm": "stopped", "task": "rebooting", "power": 6}
    # A value read back from the database compares equal to the member.
    assert VmState("stopped") is VmState.STOPPED and "stopped" == VmState.STOPPED


# --- API status --------------------------------------------------------------------------

DEFAULT_STATUS = {
    "active": "ACTIVE",
    "building": "BUILD",
    "stopped": "SHUTOFF",
    "resized": "VERIFY_RESIZE",
    "paused": "PAUSED",
    "suspended": "SUSPENDED",
    "rescued": "RESCUE",
    "error": "ERROR",
    "deleted": "DELETED",
    "soft-delete": "SOFT_DELETED",
    "shelved": "SHELVED",
    "shelved_offloaded": "SHELVED_OFFLOADED",
}
_RESIZE = ["resize_prep", "resize_migrating", "resize_migrated", "resize_finish"]
_REBUILD = ["rebuilding", "rebuild_block_device_mapping", "rebuild_spawning"]
# (vm_state, task_state) pairs whose status is not the vm_state's default, from Nova.
OVERRIDES = {
    **{("active", t): "REBOOT" for t in ["rebooting", "reboot_pending", "reboot_started"]},
    **{
        ("active", t): "HARD_REBOOT"
        for t in ["rebooting_hard", "reboot_pending_hard", "reboot_started_hard"]
    },
    ("active", "updating_password"): "PASSWORD",
    **{("active", t): "REBUILD" for t in _REBUILD},
    ("active", "migrating"): "MIGRATING",
    **{("active", t): "RESIZE" for t in _RESIZE},
    **{("stopped", t): "RESIZE" for t in _RESIZE},
    **{("stopped", t): "REBUILD" for t in _REBUILD},
    ("resized", "resize_reverting"): "REVERT_RESIZE",
    ("paused", "migrating"): "MIGRATING",
    **{("error", t): "REBUILD" for t in _REBUILD},
}


def test_every_vm_state_has_novas_default_status():
    assert set(DEFAULT_STATUS) == set(states.ALL_VM_STATES)
    for vm_state, status in DEFAULT_STATUS.items():
        assert status_from_state(vm_state, None) == status
        assert status_from_state(vm_state) == status


@pytest.mark.parametrize("vm_state", sorted(DEFAULT_STATUS))
def test_status_of_every_vm_state_and_task_state_pair(vm_state):
    for task_state in states.ALL_TASK_STATES:
        expected = OVERRIDES.get((vm_state, task_state), DEFAULT_STATUS[vm_state])
        assert status_from_state(vm_state, task_state) == expected, (vm_state, task_state)


def test_statuses_users_see_during_the_everyday_actions():
    assert status_from_state("building", "scheduling") == "BUILD"
    assert status_from_state("building", "spawning") == "BUILD"
    assert status_from_state("active", "powering-off") == "ACTIVE"
    assert status_from_state("active", "deleting") == "ACTIVE"
    assert status_from_state("resized", "resize_confirming") == "VERIFY_RESIZE"
    assert status_from_state(VmState.ERROR, TaskState.DELETING) == "ERROR"


def test_unknown_vm_state_is_unknown_and_logged(caplog):
    with caplog.at_level(logging.ERROR, logger="compute.states"):
        assert status_from_state("melted", None) == "UNKNOWN"
        assert status_from_state(None, "rebooting") == "UNKNOWN"
    assert "melted" in caplog.text


@pytest.mark.parametrize(
    ("statuses", "vm", "tasks"),
    [
        (["ACTIVE"], ["active"], None),
        (["active"], ["active"], None),
        (["SHUTOFF"], ["stopped"], None),
        (["BUILD"], ["building"], None),
        (["REBOOT"], ["active"], ["reboot_pending", "reboot_started", "rebooting"]),
        (
            ["HARD_REBOOT"],
            ["active"],
            ["reboot_pending_hard", "reboot_started_hard", "rebooting_hard"],
        ),
        (["RESIZE"], ["active", "stopped"], sorted(_RESIZE)),
        (["VERIFY_RESIZE"], ["resized"], None),
        (["REVERT_RESIZE"], ["resized"], ["resize_reverting"]),
        (["REBUILD"], ["active", "error", "stopped"], sorted(_REBUILD)),
        (["ERROR", "SHUTOFF"], ["error", "stopped"], None),
        (["NO_SUCH_STATUS"], [], []),
    ],
)
def test_status_filter_maps_back_to_states(statuses, vm, tasks):
    assert task_and_vm_state_from_status(statuses) == (vm, tasks)


def test_status_filter_finds_every_instance_showing_that_status():
    for vm_state, task_state in itertools.product(
        states.ALL_VM_STATES, (None, *states.ALL_TASK_STATES)
    ):
        status = status_from_state(vm_state, task_state)
        vms, tasks = task_and_vm_state_from_status([status])
        assert vm_state in vms, (vm_state, task_state, status)
        if tasks is not None:
            assert task_state in tasks, (vm_state, task_state, status)


# --- actions -----------------------------------------------------------------------------

ANY_TASK = None
NO_TASK = {None}
HARD_REBOOT_TASKS = {
    None,
    "rebooting",
    "reboot_pending",
    "reboot_started",
    "rebooting_hard",
    "resuming",
    "unpausing",
    "pausing",
    "suspending",
}
# Nova's check_instance_state arguments, action by action: (vm_states, task_states);
# None means any.
NOVA_ALLOWED = {
    "reboot": ({"active"}, NO_TASK),
    "reboot_hard": ({"active", "stopped", "paused", "suspended", "error"}, HARD_REBOOT_TASKS),
    "stop": ({"active", "error"}, NO_TASK),
    "start": ({"stopped"}, NO_TASK),
    "pause": ({"active"}, NO_TASK),
    "unpause": ({"paused"}, NO_TASK),
    "suspend": ({"active"}, NO_TASK),
    "resume": ({"suspended"}, NO_TASK),
    "lock": (None, ANY_TASK),
    "unlock": (None, ANY_TASK),
    "rebuild": ({"active", "stopped", "error"}, NO_TASK),
    "resize": ({"active", "stopped"}, NO_TASK),
    "confirm_resize": ({"resized"}, NO_TASK),
    "revert_resize": ({"resized"}, NO_TASK),
    "create_image": ({"active", "stopped", "paused", "suspended"}, NO_TASK),
    "delete": (None, ANY_TASK),
    "force_delete": (None, ANY_TASK),
}


def test_the_table_holds_novas_allowed_states():
    assert {str(a) for a in ACTIONS} == set(NOVA_ALLOWED)
    for action, (vm, task) in NOVA_ALLOWED.items():
        rule = ACTIONS[Action(action)]
        assert rule.vm_states == (None if vm is None else vm), action
        assert rule.task_states == (None if task is None else task), action


@pytest.mark.parametrize("action", sorted(NOVA_ALLOWED))
def test_check_action_allowed_agrees_with_the_table_for_every_state(action):
    rule = ACTIONS[Action(action)]
    for vm_state, task_state in itertools.product(
        states.ALL_VM_STATES, (None, *states.ALL_TASK_STATES)
    ):
        allowed = (rule.vm_states is None or vm_state in rule.vm_states) and (
            rule.task_states is None or task_state in rule.task_states
        )
        assert states.is_action_allowed(action, vm_state, task_state) is allowed
        if allowed:
            assert check_action_allowed(action, vm_state, task_state, UUID) is rule
        else:
            with pytest.raises(exception.InstanceInvalidState):
                check_action_allowed(action, vm_state, task_state, UUID)


def test_refusal_carries_novas_message_and_409():
    with pytest.raises(exception.InstanceInvalidState) as err:
        check_action_allowed(Action.PAUSE, "stopped", None, UUID)
    assert err.value.code == 409
    assert str(err.value) == (
        f"Instance {UUID} in vm_state stopped. Cannot pause while the instance is in this state."
    )
    assert err.value.kwargs["attr"] == "vm_state"


def test_task_state_is_checked_after_vm_state():
    with pytest.raises(exception.InstanceInvalidState) as err:
        check_action_allowed("stop", "active", "rebooting", UUID)
    assert err.value.kwargs == {
        "attr": "task_state",
        "instance_uuid": UUID,
        "state": "rebooting",
        "method": "stop",
        "code": 409,
    }


def test_an_instance_that_never_launched_can_only_be_deleted_or_locked():
    with pytest.raises(exception.InstanceInvalidState) as err:
        check_action_allowed("stop", "error", None, UUID, launched_at=None)
    assert err.value.kwargs["attr"] == "launched_at"
    for action in ("delete", "force_delete", "lock", "unlock"):
        check_action_allowed(action, "building", "scheduling", UUID, launched_at=None)
    # Not given at all: the launched check is skipped.
    check_action_allowed("stop", "error", None, UUID)


def test_check_instance_action_reads_the_instance():
    inst = SimpleNamespace(
        uuid=UUID, vm_state="active", task_state=None, launched_at="2026-01-01T00:00:00"
    )
    assert check_instance_action("reboot", inst).task_state == TaskState.REBOOTING
    inst.task_state = "rebooting"
    # A soft reboot is refused while one runs; a hard reboot may interrupt it.
    with pytest.raises(exception.InstanceInvalidState):
        check_instance_action("reboot", inst)
    assert check_instance_action("reboot_hard", inst).task_state == "rebooting_hard"


def test_delete_is_allowed_in_every_state():
    for vm_state, task_state in itertools.product(
        states.ALL_VM_STATES, (None, *states.ALL_TASK_STATES)
    ):
        check_action_allowed("delete", vm_state, task_state, UUID, launched_at=None)


def test_rule_outcomes_and_expected_task_state():
    stop = ACTIONS[Action.STOP]
    assert (stop.task_state, stop.done_vm_state, stop.done_power_state) == (
        "powering-off",
        "stopped",
        PowerState.SHUTDOWN,
    )
    assert stop.expected_task_state == [None]
    hard = ACTIONS[Action.REBOOT_HARD].expected_task_state
    assert hard[0] is None and set(hard[1:]) == HARD_REBOOT_TASKS - {None}
    assert all(type(s) is str for s in hard[1:])  # plain values, ready for RPC
    assert ACTIONS[Action.DELETE].expected_task_state is None
    assert ACTIONS[Action.CREATE_IMAGE].method == "snapshot"
    assert ACTIONS[Action.CONFIRM_RESIZE].api_action == "confirmResize"


def test_unknown_action_is_a_programming_error():
    with pytest.raises(KeyError):
        check_action_allowed("defenestrate", "active", None)


def test_api_conflict_message():
    exc = exception.InstanceInvalidState(
        attr="vm_state", instance_uuid=UUID, state="paused", method="resize"
    )
    assert (
        states.invalid_state_message(exc, "resize", UUID)
        == f"Cannot 'resize' instance {UUID} while it is in vm_state paused"
    )
    exc = exception.InstanceInvalidState(
        attr="launched_at", instance_uuid=UUID, state=None, method="stop"
    )
    assert (
        states.invalid_state_message(exc, "os-stop", UUID)
        == f"Instance {UUID} is in an invalid state for 'os-stop'"
    )
