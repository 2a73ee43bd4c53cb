"""Reading a RequestSpec (object or dict) into what filters need."""

from __future__ import annotations

from types import SimpleNamespace
from typing import ClassVar

from common.objects import VersionedObject, fields
from compute.scheduler.request import SchedulingRequest


class FakeSpec(VersionedObject):
    """A spec object whose optional fields may be left unset, as over RPC."""

    OBJ_NAMESPACE = "scheduler-tests"
    fields: ClassVar = {
        "num_instances": fields.IntegerField(default=1),
        "availability_zone": fields.StringField(nullable=True),
        "flavor": fields.DictField(nullable=True),
        "image": fields.DictField(nullable=True),
        "retry": fields.DictField(nullable=True),
    }


def test_from_a_dict_spec():
    spec = {
        "instance_uuid": "u1",
        "flavor": {
            "memory_mb": 2048,
            "vcpus": 2,
            "root_gb": 20,
            "ephemeral_gb": 5,
            "swap": 512,
            "extra_specs": {"aggregate_instance_extra_specs:ssd": "true"},
        },
        "image": {"id": "img", "properties": {"architecture": "x86_64", "hw_vm_mode": "hvm"}},
        "availability_zone": "az1",
        "num_instances": 2,
        "retry": {"num_attempts": 2, "hosts": [["h1", "n1"]]},
        "ignore_hosts": ["h3"],
        "force_hosts": "h4",
        "instance_group": {
            "uuid": "g1",
            "policy": "anti-affinity",
            "rules": {"max_server_per_host": "2"},
            "members": ["m1"],
            "hosts": ["h1"],
        },
    }
    request = SchedulingRequest.from_spec(spec)
    assert (request.memory_mb, request.vcpus, request.requested_disk_mb) == (
        2048,
        2,
        25 * 1024 + 512,
    )
    assert request.image_props == {"hw_architecture": "x86_64", "hw_vm_mode": "hvm"}
    assert request.retry_hosts == [("h1", "n1")]
    assert request.force_hosts == ["h4"] and request.ignore_hosts == ["h3"]
    assert request.group.policy == "anti-affinity" and request.group.max_server_per_host == 2
    assert request.group.members == {"m1"} and request.group.hosts == {"h1"}
    assert request.num_instances == 2


def test_from_an_object_with_unset_fields():
    spec = FakeSpec(availability_zone="nova", flavor={"memory_mb": 64, "vcpus": 1})
    request = SchedulingRequest.from_spec(spec, num_instances=3)
    assert request.memory_mb == 64 and request.availability_zone == "nova"
    assert request.retry_hosts == [] and request.image_props == {} and request.group is None
    assert request.num_instances == 3


def test_group_with_a_policies_list_and_flavor_object():
    flavor = SimpleNamespace(
        memory_mb=1, vcpus=1, root_gb=0, ephemeral_gb=0, swap=0, extra_specs={}
    )
    group = SimpleNamespace(uuid="g", policies=["affinity"], members=None, hosts=None, rules=None)
    request = SchedulingRequest.from_spec({"flavor": flavor, "instance_group": group})
    assert request.group.policy == "affinity" and request.group.members == set()


def test_from_a_request_spec_object_after_the_wire():
    """The RequestSpec nova-conductor sends, as nova-scheduler receives it."""
    from common.context import RequestContext
    from compute.objects.flavor import Flavor
    from compute.objects.instance_group import InstanceGroup
    from compute.objects.request_spec import RequestSpec

    ctxt = RequestContext(user_id="u", project_id="p")
    flavor = Flavor(
        flavorid="f1",
        name="m1.small",
        memory_mb=2048,
        vcpus=1,
        root_gb=20,
        ephemeral_gb=0,
        swap=0,
        extra_specs={"aggregate_instance_extra_specs:ssd": "true"},
    )
    group = InstanceGroup(
        uuid="7a2f6a4e-8a65-4d55-9b53-4a8d1f0f5a11",
        policy="anti-affinity",
        rules={"max_server_per_host": 2},
        members=["m1"],
    )
    spec = RequestSpec.from_components(
        ctxt,
        "0b1d4c9e-2f7a-4b8e-9d1c-5e6f7a8b9c0d",
        {"id": "img", "properties": {"img_hv_type": "qemu"}},
        flavor,
        num_instances=2,
        availability_zone="az1",
        instance_group=group,
    )
    spec.retry = {"num_attempts": 2, "hosts": [["compute1", "compute1"]]}
    received = RequestSpec.obj_from_primitive(spec.obj_to_primitive(), ctxt)

    request = SchedulingRequest.from_spec(received)
    assert (request.memory_mb, request.root_gb, request.num_instances) == (2048, 20, 2)
    assert request.extra_specs == {"aggregate_instance_extra_specs:ssd": "true"}
    assert request.image_props == {"img_hv_type": "qemu"}
    assert request.availability_zone == "az1"
    assert request.retry_hosts == [("compute1", "compute1")]
    assert request.group.policy == "anti-affinity" and request.group.members == {"m1"}
    assert request.group.max_server_per_host == 2
    assert request.ignore_hosts == [] and request.force_hosts == []
