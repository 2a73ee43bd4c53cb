"""The fake hypervisor: guests follow the actions, resources add up, delays and injected
failures behave as configured, the node keeps its identity, many threads at once."""

from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from compute import exception
from compute.states import PowerState, TaskState
from compute.virt import fake

CTX = object()


def new_driver(host: str = "compute1") -> fake.FakeDriver:
    driver = fake.FakeDriver()
    driver.init_host(host)
    return driver


def spawn(driver, instance, **kwargs):
    driver.spawn(CTX, instance, {}, [], "secret", **kwargs)


def state_of(driver, instance) -> PowerState:
    return driver.get_info(instance).state


@pytest.fixture
def driver(conf):
    return new_driver()


# --- guests and actions -------------------------------------------------------------------


def test_spawned_guest_is_running_and_listed(driver, make_instance):
    inst = make_instance()
    spawn(driver, inst)
    info = driver.get_info(inst)
    assert info.state == PowerState.RUNNING
    assert (info.vcpus, info.memory_mb, info.internal_id) == (1, 512, inst.name)
    assert driver.list_instance_uuids() == [inst.uuid]
    assert driver.list_instances() == [inst.name]
    assert driver.instance_exists(inst)
    assert f"{inst.name} login:" in driver.get_console_output(CTX, inst)


def test_spawn_without_power_on_leaves_the_guest_off(driver, make_instance):
    inst = make_instance()
    spawn(driver, inst, power_on=False)
    assert state_of(driver, inst) == PowerState.SHUTDOWN


def test_power_states_follow_the_actions(driver, make_instance):
    inst = make_instance()
    spawn(driver, inst)
    steps = [
        (lambda: driver.power_off(inst), PowerState.SHUTDOWN),
        (lambda: driver.power_off(inst), PowerState.SHUTDOWN),  # idempotent
        (lambda: driver.power_on(CTX, inst, None), PowerState.RUNNING),
        (lambda: driver.power_on(CTX, inst, None), PowerState.RUNNING),
        (lambda: driver.pause(inst), PowerState.PAUSED),
        (lambda: driver.unpause(inst), PowerState.RUNNING),
        (lambda: driver.suspend(CTX, inst), PowerState.SUSPENDED),
        (lambda: driver.resume(CTX, inst, None), PowerState.RUNNING),
        (lambda: driver.reboot(CTX, inst, None, "SOFT"), PowerState.RUNNING),
        (lambda: driver.reboot(CTX, inst, None, "HARD"), PowerState.RUNNING),
        (lambda: driver.pause(inst), PowerState.PAUSED),
        (lambda: driver.suspend(CTX, inst), PowerState.SUSPENDED),  # a paused guest too
        (lambda: driver.reboot(CTX, inst, None, "HARD"), PowerState.RUNNING),
        (lambda: driver.power_off(inst), PowerState.SHUTDOWN),
        (lambda: driver.resume_state_on_host_boot(CTX, inst, None), PowerState.RUNNING),
    ]
    for number, (action, expected) in enumerate(steps):
        action()
        assert state_of(driver, inst) == expected, f"step {number}"


def test_reboot_shows_a_new_boot_on_the_console(driver, make_instance):
    inst = make_instance()
    spawn(driver, inst)
    driver.reboot(CTX, inst, None, "HARD")
    assert driver.get_console_output(CTX, inst).count("fake-bios: booting") == 2


@pytest.mark.parametrize(
    ("prepare", "action"),
    [
        ("power_off", "pause"),
        ("power_off", "unpause"),
        (None, "unpause"),
        (None, "resume"),
        ("power_off", "suspend"),
    ],
)
def test_action_from_a_wrong_power_state_is_refused(driver, make_instance, prepare, action):
    inst = make_instance()
    spawn(driver, inst)
    if prepare:
        getattr(driver, prepare)(inst)
    before = state_of(driver, inst)
    calls = {
        "pause": lambda: driver.pause(inst),
        "unpause": lambda: driver.unpause(inst),
        "resume": lambda: driver.resume(CTX, inst, None),
        "suspend": lambda: driver.suspend(CTX, inst),
    }
    with pytest.raises(exception.InstanceInvalidState) as err:
        calls[action]()
    assert err.value.kwargs["attr"] == "power_state"
    assert state_of(driver, inst) == before


def test_unknown_guest_is_not_found(driver, make_instance):
    ghost = make_instance()
    with pytest.raises(exception.InstanceNotFound) as err:
        driver.get_info(ghost)
    assert str(err.value) == f"Instance {ghost.uuid} could not be found."
    for action in (
        lambda: driver.power_off(ghost),
        lambda: driver.power_on(CTX, ghost, None),
        lambda: driver.reboot(CTX, ghost, None, "HARD"),
        lambda: driver.pause(ghost),
        lambda: driver.get_console_output(CTX, ghost),
        lambda: driver.snapshot(CTX, ghost, "img", lambda **kw: None),
    ):
        with pytest.raises(exception.InstanceNotFound):
            action()
    assert not driver.instance_exists(ghost)


def test_spawning_the_same_instance_twice_is_refused(driver, make_instance):
    inst = make_instance()
    spawn(driver, inst)
    with pytest.raises(exception.InstanceExists):
        spawn(driver, inst)
    assert driver.list_instance_uuids() == [inst.uuid]


def test_destroy_is_idempotent(driver, make_instance):
    inst = make_instance()
    spawn(driver, inst)
    driver.destroy(CTX, inst)
    assert driver.list_instance_uuids() == []
    with pytest.raises(exception.InstanceNotFound):
        driver.get_info(inst)
    driver.destroy(CTX, inst)  # already gone: still succeeds
    driver.destroy(CTX, make_instance())  # never existed: succeeds


def test_snapshot_reports_progress_and_records_the_image(driver, make_instance):
    inst = make_instance(image_ref="base-image")
    spawn(driver, inst)
    updates = []
    driver.snapshot(CTX, inst, "new-image", lambda **kw: updates.append(kw))
    assert updates == [
        {"task_state": TaskState.IMAGE_PENDING_UPLOAD},
        {"task_state": TaskState.IMAGE_UPLOADING, "expected_state": "image_pending_upload"},
    ]
    assert driver.snapshots["new-image"]["instance_uuid"] == inst.uuid
    assert driver.snapshots["new-image"]["image_ref"] == "base-image"
    assert fake.FakeDriver.capabilities["supports_snapshot"] is True


def test_rebuild_is_left_to_the_manager(driver, make_instance):
    with pytest.raises(NotImplementedError):
        driver.rebuild(CTX, make_instance(), {})


# --- resources ----------------------------------------------------------------------------


def test_resources_come_from_options_minus_guests(conf, make_instance):
    conf(vcpus=8, memory_mb=4096, local_gb=100)
    driver = new_driver()
    empty = driver.get_available_resource("compute1")
    assert {k: empty[k] for k in ("vcpus", "memory_mb", "local_gb")} == {
        "vcpus": 8,
        "memory_mb": 4096,
        "local_gb": 100,
    }
    assert (empty["vcpus_used"], empty["memory_mb_used"], empty["local_gb_used"]) == (0, 0, 0)
    assert empty["hypervisor_type"] == "fake"
    assert empty["hypervisor_hostname"] == "compute1"
    assert isinstance(empty["hypervisor_version"], int)
    assert '"arch": "x86_64"' in empty["cpu_info"]

    small = make_instance(vcpus=1, memory_mb=512, root_gb=1)
    big = make_instance(vcpus=4, memory_mb=2048, root_gb=20, ephemeral_gb=5)
    spawn(driver, small)
    spawn(driver, big)
    used = driver.get_available_resource("compute1")
    assert (used["vcpus_used"], used["memory_mb_used"], used["local_gb_used"]) == (5, 2560, 26)
    assert used["disk_available_least"] == 74
    driver.destroy(CTX, big)
    freed = driver.get_available_resource("compute1")
    assert (freed["vcpus_used"], freed["memory_mb_used"], freed["local_gb_used"]) == (1, 512, 1)


def test_resources_of_another_node_are_refused(driver):
    with pytest.raises(exception.ComputeNodeNotFound):
        driver.get_available_resource("compute2")


# --- delays -------------------------------------------------------------------------------


def test_spawn_delay_makes_the_build_visible(conf, make_instance):
    conf(spawn_delay=0.3)
    driver = new_driver()
    inst = make_instance()
    worker = threading.Thread(target=spawn, args=(driver, inst))
    started = time.monotonic()
    worker.start()
    time.sleep(0.1)
    assert driver.get_info(inst).state == PowerState.NOSTATE  # still building
    assert driver.get_available_resource("compute1")["vcpus_used"] == 1  # already claimed
    worker.join()
    assert time.monotonic() - started >= 0.3
    assert state_of(driver, inst) == PowerState.RUNNING


def test_action_delay_makes_the_reboot_visible(conf, make_instance):
    conf(action_delay=0.3)
    driver = new_driver()
    inst = make_instance()
    spawn(driver, inst)
    driver.pause(inst)
    worker = threading.Thread(target=driver.reboot, args=(CTX, inst, None, "HARD"))
    started = time.monotonic()
    worker.start()
    time.sleep(0.1)
    assert state_of(driver, inst) == PowerState.PAUSED  # not yet rebooted
    worker.join()
    assert time.monotonic() - started >= 0.3
    assert state_of(driver, inst) == PowerState.RUNNING


def test_destroy_during_a_slow_spawn_stops_it_and_leaves_nothing(conf, make_instance):
    conf(spawn_delay=5.0)
    driver = new_driver()
    inst = make_instance()
    errors = []

    def build():
        try:
            spawn(driver, inst)
        except exception.InstanceNotFound as exc:
            errors.append(exc)

    worker = threading.Thread(target=build)
    started = time.monotonic()
    worker.start()
    time.sleep(0.1)
    driver.destroy(CTX, inst)
    worker.join(timeout=2)
    assert not worker.is_alive(), "the spawn kept sleeping after its guest was destroyed"
    assert time.monotonic() - started < 2
    assert len(errors) == 1
    assert driver.list_instance_uuids() == []
    assert driver.get_available_resource("compute1")["vcpus_used"] == 0


# --- failure injection --------------------------------------------------------------------


def test_spawn_fails_on_listed_hosts_only(conf, make_instance):
    conf(fail_spawn_on_hosts=["compute1"])
    broken, healthy = new_driver("compute1"), new_driver("compute2")
    inst = make_instance()
    with pytest.raises(exception.InstanceDeployFailure) as err:
        spawn(broken, inst)
    assert "fail_spawn_on_hosts" in str(err.value)
    assert broken.list_instance_uuids() == []
    assert broken.get_available_resource("compute1")["vcpus_used"] == 0
    spawn(healthy, inst)  # the rescheduled build succeeds elsewhere
    assert state_of(healthy, inst) == PowerState.RUNNING


def test_spawn_fails_for_listed_images(driver, conf, make_instance):
    conf(fail_spawn_image_ids=["bad-image"])
    with pytest.raises(exception.InstanceDeployFailure):
        spawn(driver, make_instance(image_ref="bad-image"))
    spawn(driver, make_instance(image_ref="good-image"))
    assert len(driver.list_instance_uuids()) == 1


def test_injected_failure_can_abort_instead_of_reschedule(driver, conf, make_instance):
    conf(fail_spawn_probability=1.0, fail_spawn_exception="BuildAbortException")
    inst = make_instance()
    with pytest.raises(exception.BuildAbortException) as err:
        spawn(driver, inst)
    assert inst.uuid in str(err.value)


@pytest.mark.parametrize(("probability", "failures"), [(0.0, 0), (1.0, 40)])
def test_failure_probability_extremes(driver, conf, make_instance, probability, failures):
    conf(fail_spawn_probability=probability)
    failed = 0
    for _ in range(40):
        try:
            spawn(driver, make_instance())
        except exception.InstanceDeployFailure:
            failed += 1
    assert failed == failures
    assert len(driver.list_instance_uuids()) == 40 - failures


def test_failure_probability_fails_about_that_share(driver, conf, make_instance):
    conf(fail_spawn_probability=0.3)
    driver.random = random.Random(42)
    failed = 0
    for _ in range(400):
        try:
            spawn(driver, make_instance())
        except exception.InstanceDeployFailure:
            failed += 1
    assert 80 <= failed <= 160


# --- node identity and restarts -----------------------------------------------------------


def test_node_identity_survives_a_restart(conf, tmp_path):
    first = new_driver()
    node_uuid = first.get_node_uuid("compute1")
    assert first.get_available_nodes() == ["compute1"]
    assert (tmp_path / "state" / "compute_id").read_text().strip() == node_uuid
    restarted = new_driver()
    assert restarted.get_node_uuid("compute1") == node_uuid
    assert restarted.get_nodenames_by_uuid() == {node_uuid: "compute1"}


def test_another_state_path_is_another_node(conf, tmp_path):
    node_uuid = new_driver().get_node_uuid("compute1")
    conf(group=None, state_path=str(tmp_path / "elsewhere"))
    assert new_driver().get_node_uuid("compute1") != node_uuid


def test_fake_computes_sharing_a_state_path_keep_separate_identities(conf, tmp_path):
    # nova-all runs several fake compute services in one process, one CONF.
    one, two = new_driver("compute1"), new_driver("compute2")
    assert one.get_node_uuid("compute1") != two.get_node_uuid("compute2")
    assert new_driver("compute2").get_node_uuid("compute2") == two.get_node_uuid("compute2")
    assert (tmp_path / "state" / "compute_id.compute2").exists()


def test_node_name_option(conf):
    conf(node_name="fakenode-7")
    driver = new_driver()
    assert driver.get_available_nodes() == ["fakenode-7"]
    assert driver.get_available_resource("fakenode-7")["hypervisor_hostname"] == "fakenode-7"
    assert new_driver().get_node_uuid("fakenode-7") == driver.get_node_uuid("fakenode-7")


def test_guests_survive_a_restart_of_the_service(conf, make_instance):
    driver = new_driver()
    running, stopped = make_instance(), make_instance(vcpus=2)
    spawn(driver, running)
    spawn(driver, stopped)
    driver.power_off(stopped)
    restarted = new_driver()
    assert sorted(restarted.list_instance_uuids()) == sorted([running.uuid, stopped.uuid])
    assert state_of(restarted, running) == PowerState.RUNNING
    assert state_of(restarted, stopped) == PowerState.SHUTDOWN
    assert restarted.get_available_resource("compute1")["vcpus_used"] == 3
    restarted.destroy(CTX, running)
    assert new_driver().list_instance_uuids() == [stopped.uuid]


def test_an_unreadable_guest_file_is_reported_not_fatal(conf, tmp_path, caplog, make_instance):
    spawn(new_driver(), make_instance())
    (tmp_path / "state" / "fake-guests.compute1.json").write_text("{not json")
    restarted = new_driver()
    assert restarted.list_instance_uuids() == []
    assert "unreadable fake guest file" in caplog.text
    spawn(restarted, make_instance())  # and it saves a good file again
    assert len(new_driver().list_instance_uuids()) == 1


def test_guests_can_be_kept_in_memory_only(conf, make_instance):
    conf(persist_guests=False)
    spawn(new_driver(), make_instance())
    assert new_driver().list_instance_uuids() == []


# --- resize -------------------------------------------------------------------------------


def test_resize_on_the_same_host_then_revert(driver, make_instance):
    inst = make_instance(vcpus=1, memory_mb=512)
    spawn(driver, inst)
    disk_info = driver.migrate_disk_and_power_off(CTX, inst, "compute1", None, None)
    assert state_of(driver, inst) == PowerState.SHUTDOWN
    inst.vcpus, inst.memory_mb = 2, 1024  # the manager applies the new flavor
    driver.finish_migration(CTX, None, inst, disk_info, None, {}, True)
    assert driver.get_info(inst).state == PowerState.RUNNING
    assert driver.get_available_resource("compute1")["vcpus_used"] == 2
    # revert: the destination (the same host) destroys, the source restores
    driver.destroy(CTX, inst)
    inst.vcpus, inst.memory_mb = 1, 512
    driver.finish_revert_migration(CTX, inst, None, None)
    info = driver.get_info(inst)
    assert (info.state, info.vcpus, info.memory_mb) == (PowerState.RUNNING, 1, 512)
    assert driver.get_available_resource("compute1")["vcpus_used"] == 1


def test_resize_to_another_host_then_confirm(conf, make_instance):
    source, dest = new_driver("compute1"), new_driver("compute2")
    inst = make_instance(vcpus=1)
    spawn(source, inst)
    disk_info = source.migrate_disk_and_power_off(CTX, inst, "compute2", None, None)
    inst.vcpus = 4
    dest.finish_migration(CTX, None, inst, disk_info, None, {}, True, power_on=False)
    assert state_of(dest, inst) == PowerState.SHUTDOWN  # it was stopped before the resize
    source.confirm_migration(CTX, None, inst, None)
    assert source.list_instance_uuids() == []
    assert dest.get_available_resource("compute2")["vcpus_used"] == 4


def test_resize_to_another_host_then_revert(conf, make_instance):
    source, dest = new_driver("compute1"), new_driver("compute2")
    inst = make_instance(vcpus=1)
    spawn(source, inst)
    disk_info = source.migrate_disk_and_power_off(CTX, inst, "compute2", None, None)
    inst.vcpus = 4
    dest.finish_migration(CTX, None, inst, disk_info, None, {}, True)
    dest.destroy(CTX, inst)
    inst.vcpus = 1
    source.finish_revert_migration(CTX, inst, None, None)
    assert state_of(source, inst) == PowerState.RUNNING
    assert dest.list_instance_uuids() == []
    # Confirming later must not remove the reverted guest.
    source.confirm_migration(CTX, None, inst, None)
    assert source.list_instance_uuids() == [inst.uuid]


# --- many threads at once -----------------------------------------------------------------


def test_concurrent_spawns_run_in_parallel_and_all_count(conf, make_instance):
    conf(spawn_delay=0.2, action_delay=0.05)
    driver = new_driver()
    instances = [make_instance() for _ in range(50)]
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=50) as pool:
        list(pool.map(lambda inst: spawn(driver, inst), instances))
    elapsed = time.monotonic() - started
    assert elapsed < 0.2 * 50 / 4, f"spawns were serialised: {elapsed:.2f}s"
    assert sorted(driver.list_instance_uuids()) == sorted(i.uuid for i in instances)
    assert driver.get_available_resource("compute1")["vcpus_used"] == 50
    with ThreadPoolExecutor(max_workers=50) as pool:
        list(pool.map(lambda inst: driver.reboot(CTX, inst, None, "SOFT"), instances))
        list(pool.map(lambda inst: driver.destroy(CTX, inst), instances + instances))
    assert driver.list_instance_uuids() == []
    assert driver.get_available_resource("compute1")["vcpus_used"] == 0
    assert new_driver().list_instance_uuids() == []  # the saved state agrees


def test_concurrent_spawns_of_one_instance_create_one_guest(conf, make_instance):
    conf(spawn_delay=0.05)
    driver = new_driver()
    inst = make_instance()
    barrier = threading.Barrier(10)

    def attempt():
        barrier.wait()
        try:
            spawn(driver, inst)
            return "spawned"
        except exception.InstanceExists:
            return "exists"

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(lambda _: attempt(), range(10)))
    assert sorted(results) == ["exists"] * 9 + ["spawned"]
    assert driver.get_available_resource("compute1")["vcpus_used"] == 1
