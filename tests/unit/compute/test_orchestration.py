"""compute.orchestration called directly: naming, image checks, zones, the delete paths
(local vs on the host, and a host that picks the server up meanwhile), concurrent
actions, and the quota over the whole create."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest

from common.context import RequestContext, get_admin_context
from compute import exception, objects, orchestration
from compute.api.openstack import server_actions
from tests.unit.compute.api.servers_env import ALICE_CTXT, make_cloud


@pytest.fixture
def cloud(tmp_path):
    yield from make_cloud(tmp_path)


def flavor(**values):
    return SimpleNamespace(**{"memory_mb": 512, "root_gb": 1, **values})


def test_sanitize_hostname():
    assert orchestration.sanitize_hostname("My Web_Server #1") == "my-web-server-1"
    assert orchestration.sanitize_hostname("..--") == "server"
    assert orchestration.sanitize_hostname("x" * 80) == "x" * 63
    assert orchestration.sanitize_hostname("café") == "caf"


def test_reservation_ids_and_passwords():
    ids = {orchestration.generate_reservation_id() for _ in range(50)}
    assert len(ids) == 50 and all(i.startswith("r-") and len(i) == 10 for i in ids)
    assert len(orchestration.generate_password(20)) == 20
    assert orchestration.id_from_href("http://h/v2.1/flavors/42/") == "42"


@pytest.mark.parametrize(
    ("image", "error"),
    [
        ({"id": "i", "status": "queued"}, exception.ImageNotActive),
        ({"id": "i", "status": "active", "min_ram": 1024}, exception.FlavorMemoryTooSmall),
        (
            {"id": "i", "status": "active", "size": 2 * 1024**3},
            exception.FlavorDiskSmallerThanImage,
        ),
        ({"id": "i", "status": "active", "min_disk": 2}, exception.FlavorDiskSmallerThanMinDisk),
    ],
)
def test_check_image_fits_refuses(image, error):
    with pytest.raises(error):
        orchestration.check_image_fits(image, flavor())


def test_check_image_fits_accepts_and_zero_disk_flavor_takes_any_size():
    orchestration.check_image_fits({"id": "i", "status": "active", "size": 1024}, flavor())
    big = {"id": "i", "status": "active", "size": 50 * 1024**3, "min_disk": 40}
    orchestration.check_image_fits(big, flavor(root_gb=0))


def test_image_system_metadata_round_trip():
    image = {"id": "img", "disk_format": "raw", "properties": {"os_distro": "cirros"}}
    sysmeta = orchestration.image_system_metadata(image)
    assert sysmeta["image_base_image_ref"] == "img"
    assert sysmeta["image_os_distro"] == "cirros"
    assert orchestration.image_properties_from_sysmeta(sysmeta) == {"os_distro": "cirros"}


def test_zones_come_from_aggregates(cloud):
    admin = get_admin_context()
    assert orchestration.available_zones(admin) == {"nova"}
    aggregate = objects.Aggregate(admin, name="rack1", metadata={"availability_zone": "az1"})
    aggregate.create()
    assert orchestration.available_zones(admin) == {"nova", "az1"}
    api = server_actions.compute_api()
    f = orchestration.get_flavor(ALICE_CTXT, "1")
    instances, _ = api.create(ALICE_CTXT, f, cloud.image["id"], name="z", availability_zone="az1")
    assert instances[0].availability_zone == "az1"


def test_private_flavor_is_invisible_to_other_projects(cloud):
    admin = get_admin_context()
    private = objects.Flavor(
        admin, name="secret", memory_mb=64, vcpus=1, root_gb=1, flavorid="s1", is_public=False
    )
    private.create()
    with pytest.raises(exception.FlavorNotFound):
        orchestration.get_flavor(ALICE_CTXT, "s1")
    private.add_access("0a11ce")
    assert orchestration.get_flavor(ALICE_CTXT, "s1").name == "secret"


def test_create_is_all_or_nothing_below_min_count(cloud):
    objects.Quotas.create_limit(get_admin_context(), "0a11ce", "instances", 3)
    api = server_actions.compute_api()
    f = orchestration.get_flavor(ALICE_CTXT, "1")
    with pytest.raises(exception.TooManyInstances):
        api.create(ALICE_CTXT, f, cloud.image["id"], min_count=4, max_count=5, name="b")
    assert cloud.get("/servers").json["servers"] == []
    # max_count above the room still creates what fits when min_count does.
    instances, _ = api.create(ALICE_CTXT, f, cloud.image["id"], min_count=2, max_count=5, name="b")
    assert len(instances) == 3
    assert [i.display_name for i in instances] == ["b-1", "b-2", "b-3"]


def test_concurrent_stops_exactly_one_wins(cloud):
    server_id = cloud.boot()
    cloud.set_state(server_id)
    api = server_actions.compute_api()
    results: list[str] = []
    barrier = threading.Barrier(8)

    def stop():
        ctxt = RequestContext(user_id="alice", project_id="0a11ce", roles=["member"])
        instance = api.get(ctxt, server_id)
        barrier.wait()
        try:
            api.stop(ctxt, instance)
            results.append("ok")
        except (exception.UnexpectedTaskStateError, exception.InstanceInvalidState):
            results.append("conflict")

    threads = [threading.Thread(target=stop) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["conflict"] * 7 + ["ok"]
    assert (
        cloud.compute.wait_for("stop_instance")
        and len([n for n in cloud.compute.names() if n == "stop_instance"]) == 1
    )


def test_delete_goes_to_the_host_that_took_the_server_meanwhile(cloud):
    cloud.add_compute_service("compute1", up=True)
    server_id = cloud.boot()
    api = server_actions.compute_api()
    stale = api.get(ALICE_CTXT, server_id)  # read while unscheduled (host None)
    cloud.set_state(server_id, vm_state="building", task_state="spawning")
    api.delete(ALICE_CTXT, stale)
    (cast,) = cloud.compute.wait_for("terminate_instance")
    assert cast["instance"].uuid == server_id
    assert cloud.instance(server_id).task_state == "deleting"
    assert not cloud.instance(server_id).deleted


def test_rebuild_keeps_non_image_system_metadata(cloud):
    server_id = cloud.boot()
    instance = cloud.set_state(server_id)
    instance.system_metadata = {**instance.system_metadata, "owner_note": "x"}
    instance.save()
    api = server_actions.compute_api()
    api.rebuild(ALICE_CTXT, api.get(ALICE_CTXT, server_id), cloud.image["id"], "pw")
    stored = api.get(get_admin_context(), server_id)
    assert stored.system_metadata["owner_note"] == "x"
    assert stored.system_metadata["image_os_distro"] == "cirros"
    assert stored.task_state == "rebuilding"
