"""nova-scheduler as a process on RabbitMQ, choosing among compute nodes in a real DB.

Three compute hosts are registered through the objects (Service + ComputeNode rows, one
host in an availability-zone aggregate); ``SchedulerAPI().select_destinations`` over
RPC must pick what the weighers prefer, honour the filters, and refuse with a reason
that names the filters which removed hosts.
"""

from __future__ import annotations

import json
import signal
import uuid

import pytest

from common import rpc
from common.config import CONF
from common.context import get_admin_context
from common.db.migration import db_sync
from common.service import servicegroup
from compute import exception
from tests.functional.daemons import Daemon, wait_for, write_config

# host: free RAM in MB (of 8192); CPU and disk are alike on all three.
HOSTS = {"compute1": 2048, "compute2": 6144, "compute3": 4096}


def _register_hosts(ctxt) -> dict[str, object]:
    from compute import objects
    from compute.objects.aggregate import Aggregate
    from compute.objects.compute_node import ComputeNode

    services = {}
    for host, free_ram in HOSTS.items():
        service = objects.Service(
            ctxt,
            host=host,
            binary="nova-compute",
            topic="compute",
            last_seen_up=servicegroup.utcnow(),
        )
        service.create()
        services[host] = service
        ComputeNode(
            ctxt,
            uuid=str(uuid.uuid4()),
            service_id=service.id,
            host=host,
            hypervisor_hostname=host,
            vcpus=8,
            memory_mb=8192,
            local_gb=100,
            vcpus_used=0,
            memory_mb_used=8192 - free_ram,
            local_gb_used=0,
            free_ram_mb=free_ram,
            free_disk_gb=100,
            running_vms=0,
            current_workload=0,
            hypervisor_type="fake",
            hypervisor_version=1000,
            cpu_info=json.dumps({"arch": "x86_64"}),
            disk_available_least=100,
            cpu_allocation_ratio=4.0,
            ram_allocation_ratio=1.0,
            disk_allocation_ratio=1.0,
            stats={},
            host_ip="127.0.0.1",
        ).create()
    aggregate = Aggregate(ctxt, name="rack-az1", metadata={"availability_zone": "az1"})
    aggregate.create()
    aggregate.add_host("compute3")
    return services


def _spec(ctxt, memory_mb: int, count: int = 1, availability_zone=None, group=None):
    """The RequestSpec object nova-conductor sends."""
    from compute.objects.flavor import Flavor
    from compute.objects.request_spec import RequestSpec

    flavor = Flavor(
        flavorid="f1",
        name="test",
        memory_mb=memory_mb,
        vcpus=1,
        root_gb=1,
        ephemeral_gb=0,
        swap=0,
        extra_specs={},
    )
    return RequestSpec.from_components(
        ctxt,
        str(uuid.uuid4()),
        {"id": "cirros", "properties": {"hw_architecture": "x86_64"}},
        flavor,
        num_instances=count,
        availability_zone=availability_zone,
        instance_group=group,
    )


def _uuids(count: int) -> list[str]:
    return [str(uuid.uuid4()) for _ in range(count)]


@pytest.mark.parametrize("db_kind", ["sqlite", "mysql"])
def test_scheduler_picks_by_weight_and_refuses_with_the_filter_counts(
    db_kind, tmp_path, fresh_database, rabbit_vhost_url
):
    import compute.conf  # noqa: F401  (registers the options the objects read)
    from compute.db import api as db_api
    from compute.scheduler.rpcapi import SchedulerAPI

    url = fresh_database(db_kind)
    db_sync(url, "migrations.compute")
    db_api.configure(url)
    ctxt = get_admin_context()
    services = _register_hosts(ctxt)

    sections = {
        "DEFAULT": {
            "transport_url": rabbit_vhost_url,
            "host": "sched1",
            "debug": "true",
            "service_down_time": 300,
        },
        "database": {"connection": url},
        # The RAM weigher alone, so each expected choice can be worked out by hand.
        "filter_scheduler": {"weight_classes": "compute.scheduler.weights.ram.RAMWeigher"},
    }
    config = write_config(tmp_path / "nova.conf", sections)
    daemon = Daemon("nova-scheduler", config, tmp_path)
    transport = rpc.get_transport(rabbit_vhost_url)
    CONF.set_override("rpc_response_timeout", 20)
    try:
        wait_for(lambda: "is serving topic scheduler" in daemon.log(), 30, what="scheduler up")
        api = SchedulerAPI(transport)

        [first] = api.select_destinations(ctxt, _spec(ctxt, 1024), _uuids(1))
        assert (first["host"], first["nodename"]) == ("compute2", "compute2")
        assert first["limits"] == {"memory_mb": 8192.0, "vcpu": 32.0, "disk_gb": 100.0}

        # compute2 now has 5120 MB left in the scheduler's view, compute3 4096: the
        # three instances of one request spread as each consumes its RAM.
        placed = api.select_destinations(ctxt, _spec(ctxt, 2048, 3), _uuids(3))
        assert [p["host"] for p in placed] == ["compute2", "compute3", "compute2"]

        # Availability zone from the aggregate's metadata.
        [in_az] = api.select_destinations(
            ctxt, _spec(ctxt, 512, availability_zone="az1"), _uuids(1)
        )
        assert in_az["host"] == "compute3"

        # Nothing fits 3000 MB now: compute1 2048, compute2 1024, compute3 1536 free.
        with pytest.raises(exception.NoValidHost) as info:
            api.select_destinations(ctxt, _spec(ctxt, 3000), _uuids(1))
        assert str(info.value) == (
            "No valid host was found. There are not enough hosts available. "
            "Filtered: RamFilter removed 3 of 3 hosts."
        )

        # An operator disables compute1: ComputeFilter removes it first.
        services["compute1"].disabled = True
        services["compute1"].disabled_reason = "maintenance"
        services["compute1"].save()
        with pytest.raises(exception.NoValidHost) as info:
            api.select_destinations(ctxt, _spec(ctxt, 1600), _uuids(1))
        assert str(info.value) == (
            "No valid host was found. There are not enough hosts available. "
            "Filtered: ComputeFilter removed 1 of 3 hosts, RamFilter removed 2 of 2 hosts."
        )

        # A multi-create that cannot be placed whole is refused whole: the first
        # instance fits compute3 (1536 MB free), the second fits nowhere.
        with pytest.raises(exception.NoValidHost) as info:
            api.select_destinations(ctxt, _spec(ctxt, 1100, 2), _uuids(2))
        assert str(info.value).endswith(
            "Filtered: ComputeFilter removed 1 of 3 hosts, RamFilter removed 2 of 2 hosts. "
            "1 of 2 instances could be placed."
        )
        [again] = api.select_destinations(ctxt, _spec(ctxt, 1100), _uuids(1))
        assert again["host"] == "compute3"  # what the refused request took was given back

        # Anti-affinity: a member of the group runs on compute2, which the RAM weigher
        # would prefer (1024 MB free against 436), so the new member goes to compute3.
        from compute.objects.instance import Instance
        from compute.objects.instance_group import InstanceGroup

        member = Instance(
            ctxt, uuid=str(uuid.uuid4()), host="compute2", node="compute2", vm_state="active"
        )
        member.create()
        group = InstanceGroup(uuid=str(uuid.uuid4()), policy="anti-affinity", members=[member.uuid])
        [apart] = api.select_destinations(ctxt, _spec(ctxt, 256, group=group), _uuids(1))
        assert apart["host"] == "compute3"
        [plain] = api.select_destinations(ctxt, _spec(ctxt, 128), _uuids(1))
        assert plain["host"] == "compute2"

        # SIGHUP with a negative RAM multiplier and fewer filters: stack onto the host
        # with the least free RAM (compute3, 180 MB, over compute2, 896 MB).
        sections["filter_scheduler"]["ram_weight_multiplier"] = "-10.0"
        sections["filter_scheduler"]["enabled_filters"] = "ComputeFilter,RamFilter"
        write_config(config, sections)
        daemon.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "Filters: ComputeFilter, RamFilter" in daemon.log(), 15, what="reload")
        [stacked] = api.select_destinations(ctxt, _spec(ctxt, 128), _uuids(1))
        assert stacked["host"] == "compute3"
        assert stacked["limits"] == {"memory_mb": 8192.0}, "only RamFilter sets limits now"
    finally:
        CONF.clear_override("rpc_response_timeout")
        rpc.cleanup()
        daemon.stop()
        db_api.reset_facade()
    assert "Selected host compute2" in daemon.log()
