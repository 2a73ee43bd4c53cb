"""Remote exceptions: how they travel and what the caller gets back."""

from __future__ import annotations

import pytest

from common import exception, rpc
from common.context import RequestContext
from common.rpc import exceptions as rpc_exc


class NotOnTheList(Exception):
    """Lives in a test module, which no allow-list names."""


class Failing:
    def not_found(self, ctxt, service_id):
        raise exception.ServiceNotFound(service_id=service_id)

    def value_error(self, ctxt):
        raise ValueError("no good value")

    def unlisted(self, ctxt):
        raise NotOnTheList("secret internals")


def test_allowed_exception_comes_back_as_the_same_class(transport, topic, start_server):
    start_server(rpc.Target(topic=topic, server="h"), [Failing()])
    client = rpc.RPCClient(transport, rpc.Target(topic=topic))

    with pytest.raises(exception.ServiceNotFound) as info:
        client.call(RequestContext(), "not_found", service_id=42)

    assert str(info.value) == "Service 42 could not be found."
    assert info.value.kwargs["service_id"] == 42
    assert info.value.code == 404
    assert "ServiceNotFound" in info.value.remote_traceback


def test_builtin_exception_comes_back_as_itself(transport, topic, start_server):
    start_server(rpc.Target(topic=topic, server="h"), [Failing()])
    client = rpc.RPCClient(transport, rpc.Target(topic=topic))

    with pytest.raises(ValueError, match="no good value"):
        client.call(RequestContext(), "value_error")


def test_exception_from_an_unlisted_module_is_a_remote_error(transport, topic, start_server):
    start_server(rpc.Target(topic=topic, server="h"), [Failing()])
    client = rpc.RPCClient(transport, rpc.Target(topic=topic))

    with pytest.raises(rpc.RemoteError) as info:
        client.call(RequestContext(), "unlisted")

    assert info.value.exc_type == "NotOnTheList"
    assert info.value.value == "secret internals"
    assert "Traceback" in info.value.traceback
    assert "NotOnTheList" in str(info.value)


def test_add_allowed_exmods_lets_the_class_through(monkeypatch):
    monkeypatch.setattr(rpc_exc, "ALLOWED_EXMODS", list(rpc_exc.ALLOWED_EXMODS))
    failure = rpc_exc.serialize_remote_exception(NotOnTheList("hello"))
    assert isinstance(rpc_exc.deserialize_remote_exception(failure), rpc.RemoteError)

    rpc.add_allowed_exmods([__name__])

    rebuilt = rpc_exc.deserialize_remote_exception(failure)
    assert type(rebuilt) is NotOnTheList and str(rebuilt) == "hello"


def test_wire_form_has_class_module_message_kwargs():
    failure = rpc_exc.serialize_remote_exception(
        exception.HostBinaryNotFound(host="c1", binary="nova-compute")
    )

    assert failure["class"] == "HostBinaryNotFound"
    assert failure["module"] == "common.exception"
    assert failure["message"] == "Could not find binary nova-compute on host c1."
    assert failure["kwargs"] == {"host": "c1", "binary": "nova-compute", "code": 404}


def test_unserializable_kwargs_travel_as_text():
    failure = rpc_exc.serialize_remote_exception(exception.Invalid(reason=object()))

    assert isinstance(failure["kwargs"]["reason"], str)


def test_class_that_cannot_be_rebuilt_falls_back_to_remote_error():
    failure = {"class": "does_not_exist", "module": "common.exception", "message": "m"}

    assert isinstance(rpc_exc.deserialize_remote_exception(failure), rpc.RemoteError)


def test_non_exception_attribute_is_not_raised():
    failure = {"class": "LOG", "module": "common.rpc.exceptions", "message": "m"}

    assert isinstance(rpc_exc.deserialize_remote_exception(failure), rpc.RemoteError)
