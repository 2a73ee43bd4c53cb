"""Flavor, RequestSpec, InstanceFault, Aggregate and ComputeNode objects without a DB."""

from __future__ import annotations

import pytest

from common.context import RequestContext
from common.objects import VersionedObject
from compute import exception, objects
from tests.unit.compute.objects.test_instance import make_flavor


def test_flavor_extra_specs_tracked_and_read_only_fields_refused():
    flavor = make_flavor()
    flavor._context = RequestContext(is_admin=True)
    flavor.extra_specs["a"] = "b"
    assert flavor.obj_what_changed() == {"extra_specs"}
    flavor.memory_mb = 1024
    with pytest.raises(exception.ObjectActionError):
        flavor.save()


def test_request_spec_round_trip_and_hints():
    ctxt = RequestContext(user_id="u", project_id="p")
    group = objects.InstanceGroup(
        uuid="4a0f3d38-2e0e-4b64-bb7c-1fdd5c2d7c9b", policy="anti-affinity", members=[]
    )
    spec = objects.RequestSpec.from_components(
        ctxt,
        "8d3b0c6a-5a5c-4d8e-9b57-0f4c1f3f7a11",
        {"id": "img", "properties": {"hw_architecture": "x86_64"}},
        make_flavor(),
        num_instances=2,
        scheduler_hints={"group": group.uuid, "same_host": ["a", "b"]},
        instance_group=group,
    )
    assert spec.project_id == "p"
    assert spec.scheduler_hints == {"group": [group.uuid], "same_host": ["a", "b"]}
    assert spec.get_scheduler_hint("group") == group.uuid
    assert spec.get_scheduler_hint("same_host") == ["a", "b"]
    assert spec.get_scheduler_hint("missing", "x") == "x"
    clone = VersionedObject.obj_from_primitive(spec.obj_to_primitive())
    assert clone.instance_group.policy == "anti-affinity"
    assert clone.flavor.name == "m1.tiny"
    assert clone.image_properties == {"hw_architecture": "x86_64"}


def test_instance_group_policy_is_one_of_novas():
    with pytest.raises(ValueError):
        objects.InstanceGroup(policy="nearby")


def test_fault_from_exception_keeps_code_message_and_traceback():
    try:
        raise exception.NoValidHost(reason="no room")
    except exception.NoValidHost as error:
        fault = objects.InstanceFault.from_exception(
            None, "8d3b0c6a-5a5c-4d8e-9b57-0f4c1f3f7a11", error, host="c1"
        )
    assert fault.code == 500
    assert fault.message == "No valid host was found. no room"
    assert "NoValidHost" in fault.details


def test_aggregate_availability_zone_comes_from_metadata():
    aggregate = objects.Aggregate(name="a", metadata={"availability_zone": "az1"})
    assert aggregate.availability_zone == "az1"
    assert objects.Aggregate(name="b", metadata={}).availability_zone is None


def test_compute_node_stats_round_trip():
    node = objects.ComputeNode(
        host="c1",
        hypervisor_hostname="c1",
        vcpus=4,
        memory_mb=8192,
        local_gb=100,
        hypervisor_type="fake",
        hypervisor_version=1,
        stats={"num_instances": "3"},
    )
    clone = VersionedObject.obj_from_primitive(node.obj_to_primitive())
    assert clone.stats == {"num_instances": "3"}
