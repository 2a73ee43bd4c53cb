"""Instance and Flavor objects without a database: fields, primitives (the nested
Flavor included), change tracking of the metadata dicts, and the conductor round trip."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest

from common.context import RequestContext
from common.objects import VersionedObject
from common.objects.indirection import ObjectIndirectionEndpoint
from compute import objects
from compute.objects.instance import Instance


def make_flavor(**overrides) -> objects.Flavor:
    values = dict(
        id=1,
        flavorid="1",
        name="m1.tiny",
        memory_mb=512,
        vcpus=1,
        root_gb=1,
        ephemeral_gb=0,
        swap=0,
        rxtx_factor=1.0,
        vcpu_weight=None,
        disabled=False,
        is_public=True,
        description=None,
        extra_specs={"hw:cpu_policy": "shared"},
        projects=[],
    )
    values.update(overrides)
    flavor = objects.Flavor(**values)
    flavor.obj_reset_changes()
    return flavor


def make_instance(**overrides) -> Instance:
    values = dict(
        id=7,
        uuid="8d3b0c6a-5a5c-4d8e-9b57-0f4c1f3f7a11",
        project_id="p1",
        user_id="u1",
        vm_state="active",
        task_state=None,
        power_state=1,
        host="compute1",
        launched_at=dt.datetime(2026, 1, 2, 3, 4, 5),
        metadata={"role": "web"},
        system_metadata={"image_os": "cirros"},
        flavor=make_flavor(),
        old_flavor=None,
        new_flavor=None,
        locked=False,
        deleted=False,
    )
    values.update(overrides)
    instance = Instance(RequestContext(user_id="u1", project_id="p1"), **values)
    instance.obj_reset_changes()
    return instance


def test_fields_coerce_and_refuse_wrong_types():
    instance = make_instance()
    instance.power_state = "4"
    assert instance.power_state == 4
    with pytest.raises(ValueError):
        instance.uuid = "not-a-uuid"
    with pytest.raises(ValueError):
        instance.locked_by = "someone"
    with pytest.raises(ValueError):
        instance.flavor = {"name": "m1.tiny"}
    with pytest.raises(ValueError):
        instance.flavor = None  # a server always has a flavor
    instance.new_flavor = None


def test_primitive_round_trip_keeps_the_nested_flavor():
    instance = make_instance()
    primitive = instance.obj_to_primitive()
    clone = VersionedObject.obj_from_primitive(primitive)
    assert isinstance(clone, Instance)
    assert isinstance(clone.flavor, objects.Flavor)
    assert clone.flavor.extra_specs == {"hw:cpu_policy": "shared"}
    assert clone.launched_at == dt.datetime(2026, 1, 2, 3, 4, 5)
    assert clone.metadata == {"role": "web"}
    assert clone.new_flavor is None
    assert clone.obj_what_changed() == set()


def test_in_place_metadata_change_is_tracked():
    instance = make_instance()
    assert instance.obj_what_changed() == set()
    instance.metadata["tier"] = "front"
    assert instance.obj_what_changed() == {"metadata"}
    del instance.system_metadata["image_os"]
    assert instance.obj_what_changed() == {"metadata", "system_metadata"}
    instance.obj_reset_changes(["metadata"])
    assert instance.obj_what_changed() == {"system_metadata"}
    instance.obj_reset_changes()
    assert instance.obj_what_changed() == set()


def test_in_place_change_survives_the_wire_and_is_tracked_after_it():
    instance = make_instance()
    instance.metadata["tier"] = "front"
    received = VersionedObject.obj_from_primitive(instance.obj_to_primitive())
    assert received.obj_what_changed() == {"metadata"}
    clean = VersionedObject.obj_from_primitive(make_instance().obj_to_primitive())
    clean.metadata["x"] = "y"
    assert clean.obj_what_changed() == {"metadata"}


def test_nested_flavor_extra_specs_change_marks_flavor_changed():
    instance = make_instance()
    instance.flavor.extra_specs["quota:cpu_shares"] = "1024"
    assert "flavor" in instance.obj_what_changed()


def test_name_is_the_hypervisor_name():
    assert make_instance(id=255).name == "instance-000000ff"


class _LocalConductor:
    """Stands in for nova-conductor: runs the call on a copy that crossed 'the wire'."""

    def __init__(self):
        self.endpoint = ObjectIndirectionEndpoint()
        self.calls = []

    def object_action(self, context, objinst, objmethod, args, kwargs):
        self.calls.append(objmethod)
        wire = VersionedObject.obj_from_primitive(objinst.obj_to_primitive(), context)
        # On the conductor's side the call runs locally.
        Instance.indirection_api = None
        try:
            reply = self.endpoint.object_action(context, wire, objmethod, args, kwargs)
        finally:
            Instance.indirection_api = self
        return reply["updates"], reply["result"]

    def object_class_action(self, *args, **kwargs):
        raise AssertionError("not used")


def test_save_through_the_conductor_sends_metadata_changes(monkeypatch):
    seen = {}

    def fake_update(ctxt, instance_uuid, values, expected=None):
        seen.update(values=values, expected=expected)

        class Row:
            pass

        row = Row()
        for name in Instance.COLUMN_FIELDS:
            setattr(row, name, None)
        row.id, row.uuid, row.vm_state, row.task_state = 7, instance_uuid, "active", "rebooting"
        row.project_id, row.deleted, row.locked, row.cleaned = "p1", 0, False, 0
        row.updated_at = dt.datetime(2026, 2, 3)
        return row

    import compute.db.api as db_api

    monkeypatch.setattr(db_api, "instance_update", fake_update)
    conductor = _LocalConductor()
    monkeypatch.setattr(Instance, "indirection_api", conductor)
    instance = make_instance()
    instance.metadata["tier"] = "front"
    instance.task_state = "rebooting"
    instance.save(expected_task_state=[None])
    assert conductor.calls == ["save"]
    assert seen["values"]["metadata"] == {"role": "web", "tier": "front"}
    assert seen["values"]["task_state"] == "rebooting"
    assert seen["expected"] == {"task_state": [None]}
    assert instance.updated_at == dt.datetime(2026, 2, 3)
    assert instance.obj_what_changed() == set()


def test_objects_do_not_import_sqlalchemy():
    code = (
        "import sys, compute.objects, compute.quota; "
        "print(any(m.startswith('sqlalchemy') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
