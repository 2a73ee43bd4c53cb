"""Quotas hold under concurrency and say what Nova says: 100 simultaneous boots against
an instances quota of 10 create exactly 10 servers; the cores, ram and multi-create
refusals carry Nova's 403 message. Real daemons on RabbitMQ, on PostgreSQL and on
MariaDB (whose locking differs)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.functional.compute.cloud import running_cloud
from tests.functional.daemons import wait_for

TINY = "1"  # m1.tiny: 512 MB, 1 vcpu
MEDIUM = "3"  # m1.medium: 4096 MB, 2 vcpus


@pytest.fixture(scope="module", params=["postgresql", "mysql"])
def cloud(request, tmp_path_factory):
    # Enough room on the two fake hosts for every server these tests let through.
    with running_cloud(
        tmp_path_factory.mktemp("quota"),
        request.param,
        compute_conf={"fake_driver": {"memory_mb": 16384, "vcpus": 16, "spawn_delay": 0.2}},
    ) as cloud:
        yield cloud


@pytest.fixture(scope="module")
def image_id(cloud):
    images = cloud.api("GET", "/images").json()["images"]
    return next(i["id"] for i in images if i["name"] == "novella-tiny")


def set_quota(cloud, project: str, **limits: int) -> None:
    response = cloud.admin("PUT", f"/os-quota-sets/{project}", json={"quota_set": limits})
    assert response.status_code == 200, response.text
    for name, value in limits.items():
        assert response.json()["quota_set"][name] == value


def boot(cloud, token: str, image_id: str, flavor: str = TINY, session=None, **extra):
    body = {"server": {"name": "q", "imageRef": image_id, "flavorRef": flavor, **extra}}
    return cloud.api("POST", "/servers", token=token, json=body, session=session)


def forbidden(message: str) -> dict:
    return {"forbidden": {"code": 403, "message": message}}


def project_servers(cloud, token: str) -> list[dict]:
    response = cloud.api("GET", "/servers/detail", token=token)
    assert response.status_code == 200, response.text
    return response.json()["servers"]


def wait_all_active(cloud, token: str, count: int) -> list[dict]:
    def all_active():
        servers = project_servers(cloud, token)
        if any(s["status"] == "ERROR" for s in servers):
            raise AssertionError(f"a server went to ERROR: {servers}\n{cloud.logs()}")
        return servers if [s["status"] for s in servers] == ["ACTIVE"] * count else None

    return wait_for(all_active, timeout=90, what=f"{count} ACTIVE servers")


def test_hundred_concurrent_boots_against_a_quota_of_ten_create_exactly_ten(cloud, image_id):
    set_quota(cloud, "race", instances=10)
    token = "race:race"
    barrier = threading.Barrier(100)
    local = threading.local()

    def one_boot(_n: int) -> requests.Response:
        local.session = getattr(local, "session", None) or requests.Session()
        barrier.wait(timeout=60)
        return boot(cloud, token, image_id, session=local.session)

    with ThreadPoolExecutor(max_workers=100) as pool:
        responses = list(pool.map(one_boot, range(100)))

    codes = sorted(r.status_code for r in responses)
    assert codes.count(202) == 10, codes
    assert codes.count(403) == 90, codes
    refusals = {r.text for r in responses if r.status_code == 403}
    assert [r.json() for r in responses if r.status_code == 403][0] == forbidden(
        "Quota exceeded for instances: Requested 1, but already used 10 of 10 instances"
    ), refusals
    assert len(refusals) == 1, refusals

    created = {r.json()["server"]["id"] for r in responses if r.status_code == 202}
    servers = wait_all_active(cloud, token, 10)
    assert {s["id"] for s in servers} == created

    usage = cloud.api("GET", "/os-quota-sets/race/detail", token=token).json()["quota_set"]
    assert usage["instances"] == {"limit": 10, "in_use": 10, "reserved": 0}
    absolute = cloud.api("GET", "/limits", token=token).json()["limits"]["absolute"]
    assert absolute["totalInstancesUsed"] == 10 and absolute["maxTotalInstances"] == 10

    # Room comes back when a server is deleted, and only that much room.
    victim = sorted(created)[0]
    assert cloud.api("DELETE", f"/servers/{victim}", token=token).status_code == 204
    wait_for(
        lambda: cloud.api("GET", f"/servers/{victim}", token=token).status_code == 404,
        timeout=60,
        what="deleted server gone",
    )
    again = [boot(cloud, token, image_id) for _ in range(2)]
    assert [r.status_code for r in again] == [202, 403], [r.text for r in again]


def test_cores_and_ram_quota_refusals_say_which_resources(cloud, image_id):
    token = "big:big"
    set_quota(cloud, "big", cores=1)
    refused = boot(cloud, token, image_id, MEDIUM)
    assert refused.status_code == 403
    assert refused.json() == forbidden(
        "Quota exceeded for cores: Requested 2, but already used 0 of 1 cores"
    )

    set_quota(cloud, "big", cores=20, ram=1024)
    refused = boot(cloud, token, image_id, MEDIUM)
    assert refused.status_code == 403
    assert refused.json() == forbidden(
        "Quota exceeded for ram: Requested 4096, but already used 0 of 1024 ram"
    )

    set_quota(cloud, "big", cores=1, ram=1024)
    refused = boot(cloud, token, image_id, MEDIUM)
    assert refused.status_code == 403
    assert refused.json() == forbidden(
        "Quota exceeded for cores, ram: Requested 2, 4096, but already used 0, 0 of 1, 1024 "
        "cores, ram"
    )
    assert project_servers(cloud, token) == []

    # A tiny server fits; then the cores are used up for the next one.
    set_quota(cloud, "big", cores=1, ram=4096)
    assert boot(cloud, token, image_id, TINY).status_code == 202
    refused = boot(cloud, token, image_id, TINY)
    assert refused.json() == forbidden(
        "Quota exceeded for cores: Requested 1, but already used 1 of 1 cores"
    )
    wait_all_active(cloud, token, 1)


def test_multi_create_takes_what_fits_down_to_min_count(cloud, image_id):
    token = "multi:multi"
    set_quota(cloud, "multi", instances=5)

    first = boot(cloud, token, image_id, min_count=2, max_count=3, return_reservation_id=True)
    assert first.status_code == 202, first.text
    reservation = first.json()["reservation_id"]
    listed = cloud.api("GET", f"/servers?reservation_id={reservation}", token=token)
    assert len(listed.json()["servers"]) == 3

    # 2 left: a request that needs at least 3 is refused whole, naming the range asked.
    refused = boot(cloud, token, image_id, min_count=3, max_count=4)
    assert refused.status_code == 403
    assert refused.json() == forbidden(
        "Quota exceeded for instances: Requested 3-4, but already used 3 of 5 instances"
    )
    refused = boot(cloud, token, image_id, min_count=3, max_count=3)
    assert refused.json() == forbidden(
        "Quota exceeded for instances: Requested 3, but already used 3 of 5 instances"
    )
    assert len(project_servers(cloud, token)) == 3

    # min 1, max 5: the two that fit are created.
    last = boot(cloud, token, image_id, min_count=1, max_count=5)
    assert last.status_code == 202, last.text
    servers = wait_all_active(cloud, token, 5)
    assert len({s["id"] for s in servers}) == 5
    refused = boot(cloud, token, image_id)
    assert refused.json() == forbidden(
        "Quota exceeded for instances: Requested 1, but already used 5 of 5 instances"
    )
