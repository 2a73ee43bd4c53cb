"""select_destinations over the bus (memory://): manager, rpcapi and NoValidHost."""

from __future__ import annotations

import datetime as dt
import uuid
from types import SimpleNamespace

import pytest

from common import rpc
from common.context import RequestContext
from common.service import servicegroup
from compute import exception
from compute.scheduler import rpcapi
from compute.scheduler.host_state import HostStateCache
from compute.scheduler.manager import SchedulerManager


def _node(host, free_ram_mb):
    return SimpleNamespace(
        host=host,
        hypervisor_hostname=host,
        memory_mb=4096,
        free_ram_mb=free_ram_mb,
        local_gb=50,
        local_gb_used=0,
        free_disk_gb=50,
        vcpus=4,
        vcpus_used=0,
        running_vms=0,
        updated_at=servicegroup.utcnow() - dt.timedelta(seconds=2),
    )


def _service(host, up=True):
    seen = servicegroup.utcnow() - dt.timedelta(seconds=1 if up else 3600)
    return SimpleNamespace(host=host, disabled=False, last_seen_up=seen, forced_down=False)


@pytest.fixture
def database(monkeypatch):
    """What read_database returns; tests edit it."""
    data = {
        "nodes": [_node("compute1", 2048), _node("compute2", 3072), _node("compute3", 4096)],
        "services": {
            "compute1": _service("compute1"),
            "compute2": _service("compute2"),
            "compute3": _service("compute3", up=False),
        },
        "aggregates": [],
        "instances": {},
    }
    seen = {}

    def read_database(ctxt, with_instances):
        seen["admin"] = ctxt.is_admin
        seen["with_instances"] = with_instances
        return {key: value for key, value in data.items() if key != "seen"}

    monkeypatch.setattr(HostStateCache, "read_database", staticmethod(read_database))
    data["seen"] = seen
    return data


@pytest.fixture
def client(database):
    transport = rpc.get_transport("memory://")
    topic = f"scheduler_test_{uuid.uuid4().hex[:8]}"
    manager = SchedulerManager(host="sched1")
    manager.init_host()
    server = rpc.RPCServer(transport, rpc.Target(topic=topic, server="sched1"), [manager])
    server.start()
    api = rpcapi.SchedulerAPI(transport)
    api.client = api.client.prepare(topic=topic)
    yield api
    server.stop()
    server.wait()
    rpc.cleanup()


def spec(memory_mb, num_instances=1):
    return {
        "flavor": {"memory_mb": memory_mb, "vcpus": 1, "root_gb": 1, "ephemeral_gb": 0},
        "image": {"id": "cirros", "properties": {}},
        "num_instances": num_instances,
    }


def test_select_destinations_over_rpc(client, database):
    ctxt = RequestContext(user_id="u", project_id="p")
    result = client.select_destinations(ctxt, spec(1024, 2), ["i1", "i2"])
    # compute3 is down.  compute2 has the most free RAM; once it took the first
    # instance both have 2048 MB free and compute1 wins on free vCPUs and disk.
    assert [r["host"] for r in result] == ["compute2", "compute1"]
    assert result[0]["nodename"] == "compute2"
    assert result[0]["limits"]["memory_mb"] == 4096
    assert database["seen"] == {"admin": True, "with_instances": False}


def test_consumption_carries_over_to_the_next_request(client):
    ctxt = RequestContext(user_id="u", project_id="p")
    first = client.select_destinations(ctxt, spec(1024), ["i1"])
    second = client.select_destinations(ctxt, spec(1024), ["i2"])
    assert [first[0]["host"], second[0]["host"]] == ["compute2", "compute1"]


def test_no_valid_host_reaches_the_caller_with_its_reason(client):
    ctxt = RequestContext(user_id="u", project_id="p")
    with pytest.raises(exception.NoValidHost) as info:
        client.select_destinations(ctxt, spec(3500), ["i1"])
    assert str(info.value) == (
        "No valid host was found. There are not enough hosts available. "
        "Filtered: ComputeFilter removed 1 of 3 hosts, RamFilter removed 2 of 2 hosts."
    )


def test_group_requests_load_instances(client, database):
    ctxt = RequestContext(user_id="u", project_id="p")
    database["instances"] = {"compute2": {"m1": object()}, "compute1": {}}
    request = {
        **spec(512),
        "instance_group": {"uuid": "g", "policy": "anti-affinity", "members": ["m1"]},
    }
    result = client.select_destinations(ctxt, request, ["new"])
    assert database["seen"]["with_instances"] is True
    assert result[0]["host"] == "compute1"


def test_misspelt_filter_stops_the_manager_at_start(flags):
    flags("filter_scheduler", enabled_filters=["ComputeFilter", "RamFiltr"])
    with pytest.raises(exception.SchedulerHostFilterNotFound, match="RamFiltr"):
        SchedulerManager(host="sched1").init_host()


def test_sighup_with_a_bad_filter_keeps_the_previous_selection(flags):
    manager = SchedulerManager(host="sched1")
    manager.init_host()
    before = manager.driver
    flags("filter_scheduler", enabled_filters=["NoSuchFilter"])
    manager.reset()
    assert manager.driver is before
    flags("filter_scheduler", enabled_filters=["RamFilter"])
    manager.reset()
    assert [f.name() for f in manager.driver.filter_handler.filters] == ["RamFilter"]
