"""Versioned objects: typed fields, change tracking, primitives, remotable forwarding."""

from __future__ import annotations

import datetime as dt

import pytest

from common import exception
from common.context import RequestContext
from common.objects import ObjectRegistry, VersionedObject, fields, remotable, remotable_classmethod
from common.objects.indirection import ObjectIndirectionEndpoint

FAKE_DB: dict[int, dict] = {}


@ObjectRegistry.register
class Widget(VersionedObject):
    OBJ_NAMESPACE = "tests"
    VERSION = "1.2"
    fields = {
        "id": fields.IntegerField(),
        "name": fields.StringField(),
        "size": fields.IntegerField(default=1),
        "when": fields.DateTimeField(nullable=True),
        "tags": fields.ListOfStringsField(default=[]),
    }

    @remotable_classmethod
    def get(cls, context, widget_id):
        obj = cls(context, **FAKE_DB[widget_id])
        obj.obj_reset_changes()
        return obj

    @remotable
    def grow(self, context, by):
        self.size = self.size + by
        self.when = dt.datetime(2026, 1, 2, 3, 4, 5)
        FAKE_DB[self.id] = {"id": self.id, "name": self.name, "size": self.size}
        self.obj_reset_changes()
        return self.size

    def not_remote(self):
        return "local"


def test_fields_coerce_and_reject_wrong_types():
    w = Widget(name=12, size="3")
    assert w.name == "12" and w.size == 3
    with pytest.raises(ValueError):
        w.size = "three"
    with pytest.raises(ValueError):
        w.name = None
    with pytest.raises(exception.ObjectActionError):
        _ = w.id


def test_change_tracking_and_reset():
    w = Widget(name="a")
    assert w.obj_what_changed() == {"name"}
    w.obj_reset_changes()
    w.size = 4
    assert w.obj_get_changes() == {"size": 4}


def test_primitive_round_trip_keeps_values_and_changes():
    w = Widget(id=1, name="a", when=dt.datetime(2026, 5, 6, 7, 8, 9), tags=["x"])
    w.obj_reset_changes(["id"])
    back = VersionedObject.obj_from_primitive(w.obj_to_primitive())
    assert isinstance(back, Widget)
    assert (back.id, back.name, back.when, back.tags) == (1, "a", w.when, ["x"])
    assert back.obj_what_changed() == {"name", "when", "tags"}


def test_newer_minor_version_from_the_wire_is_refused():
    primitive = Widget(name="a").obj_to_primitive()
    primitive["novella_object.version"] = "1.3"
    with pytest.raises(exception.IncompatibleObjectVersion):
        VersionedObject.obj_from_primitive(primitive)
    primitive["novella_object.version"] = "1.1"
    assert VersionedObject.obj_from_primitive(primitive).name == "a"


def test_remotable_without_context_is_an_orphan():
    with pytest.raises(exception.OrphanedObjectError):
        Widget(id=1, name="a", size=1).grow(1)


class LoopbackIndirection:
    """Sends calls to the conductor endpoint in-process, through primitives, as RPC would."""

    def __init__(self):
        self.endpoint = ObjectIndirectionEndpoint()
        self.calls = []

    def object_action(self, context, objinst, objmethod, args, kwargs):
        self.calls.append(objmethod)
        wire = VersionedObject.obj_from_primitive(objinst.obj_to_primitive(), context)
        reply = _run_without_indirection(
            lambda: self.endpoint.object_action(context, wire, objmethod, list(args), kwargs)
        )
        return reply["updates"], reply["result"]

    def object_class_action(self, context, objname, namespace, objmethod, objver, args, kwargs):
        self.calls.append(objmethod)
        result = _run_without_indirection(
            lambda: self.endpoint.object_class_action(
                context, objname, namespace, objmethod, objver, list(args), kwargs
            )
        )
        return VersionedObject.obj_from_primitive(result.obj_to_primitive(), context)


def _run_without_indirection(fn):
    saved = VersionedObject.indirection_api
    VersionedObject.indirection_api = None
    try:
        return fn()
    finally:
        VersionedObject.indirection_api = saved


@pytest.fixture
def indirection():
    api = LoopbackIndirection()
    VersionedObject.indirection_api = api
    FAKE_DB.clear()
    FAKE_DB[7] = {"id": 7, "name": "seven", "size": 2}
    yield api
    VersionedObject.indirection_api = None


def test_remotable_calls_go_through_the_indirection_api_and_changes_come_back(indirection):
    ctxt = RequestContext(user_id="u", project_id="p")
    w = Widget.get(ctxt, 7)
    assert w.size == 2 and w._context is ctxt
    assert w.grow(3) == 5
    assert indirection.calls == ["get", "grow"]
    assert w.size == 5 and w.when == dt.datetime(2026, 1, 2, 3, 4, 5)
    assert w.obj_what_changed() == set()
    assert FAKE_DB[7]["size"] == 5


def test_only_remotable_methods_can_be_invoked_remotely(indirection):
    ctxt = RequestContext()
    w = Widget(ctxt, id=7, name="seven", size=2)
    with pytest.raises(exception.ObjectActionError):
        indirection.endpoint.object_action(ctxt, w, "not_remote", [], {})
    with pytest.raises(exception.ObjectActionError):
        indirection.endpoint.object_action(ctxt, w, "obj_reset_changes", [], {})
