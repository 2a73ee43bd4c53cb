"""Object indirection: running remotable methods in nova-conductor for DB-less workers.

The client half (``ConductorIndirectionAPI``) is installed as
``VersionedObject.indirection_api`` by a worker at start-up; the server half
(``ObjectIndirectionEndpoint``) is an RPC endpoint of the conductor, where the same
methods run against the database and the changed fields are sent back.
"""

from __future__ import annotations

import logging
from typing import Any

from common import exception, rpc
from common.objects.base import ObjectRegistry, VersionedObject, is_compatible
from common.objects.serializer import ObjectSerializer

LOG = logging.getLogger(__name__)


class ConductorIndirectionAPI:
    """Client side. RPC API version history:

    1.0 - object_action, object_class_action
    """

    VERSION = "1.0"

    def __init__(
        self,
        topic: str = "conductor",
        transport: rpc.Transport | None = None,
        timeout: int | None = None,
    ) -> None:
        target = rpc.Target(topic=topic, namespace="objects", version=self.VERSION)
        self.client = rpc.RPCClient(
            transport or rpc.get_transport(),
            target,
            serializer=ObjectSerializer(),
            timeout=timeout,
        )

    def object_action(
        self, context: Any, objinst: VersionedObject, objmethod: str, args: tuple, kwargs: dict
    ) -> tuple[dict[str, Any], Any]:
        reply = self.client.call(
            context,
            "object_action",
            objinst=objinst,
            objmethod=objmethod,
            args=list(args),
            kwargs=kwargs,
        )
        return reply["updates"], reply["result"]

    def object_class_action(
        self,
        context: Any,
        objname: str,
        namespace: str,
        objmethod: str,
        objver: str,
        args: tuple,
        kwargs: dict,
    ) -> Any:
        return self.client.call(
            context,
            "object_class_action",
            objname=objname,
            namespace=namespace,
            objmethod=objmethod,
            objver=objver,
            args=list(args),
            kwargs=kwargs,
        )


class ObjectIndirectionEndpoint:
    """Server side, served by nova-conductor (and cinder's equivalent if it needs one)."""

    target = rpc.Target(namespace="objects", version="1.0")

    def object_action(
        self, ctxt: Any, objinst: VersionedObject, objmethod: str, args: list, kwargs: dict
    ) -> dict[str, Any]:
        before = objinst.obj_clone()
        method = self._remotable(type(objinst), objmethod)
        result = method(objinst, *args, **kwargs)
        updates: dict[str, Any] = {}
        for name, field in objinst.fields.items():
            if not objinst.obj_attr_is_set(name):
                continue
            value = getattr(objinst, name)
            if not before.obj_attr_is_set(name) or getattr(before, name) != value:
                updates[name] = field.to_primitive(objinst, name, value)
        updates["obj_what_changed"] = sorted(objinst.obj_what_changed())
        return {"updates": updates, "result": result}

    def object_class_action(
        self,
        ctxt: Any,
        objname: str,
        namespace: str,
        objmethod: str,
        objver: str,
        args: list,
        kwargs: dict,
    ) -> Any:
        objcls = ObjectRegistry.get(namespace, objname)
        if not is_compatible(objver, objcls.VERSION):
            raise exception.IncompatibleObjectVersion(
                objname=objname, objver=objver, supported=objcls.VERSION
            )
        method = self._remotable(objcls, objmethod)
        return method(objcls, ctxt, *args, **kwargs)

    @staticmethod
    def _remotable(objcls: type, name: str) -> Any:
        """Only methods marked remotable may be invoked over the bus."""
        attr = next((k.__dict__[name] for k in objcls.__mro__ if name in k.__dict__), None)
        func = attr.__func__ if isinstance(attr, classmethod) else attr
        if not getattr(func, "remotable", False):
            raise exception.ObjectActionError(action=name, reason="not a remotable method")
        return func


def use_conductor(topic: str = "conductor") -> None:
    """Make this process send every remotable call to nova-conductor.

    Called by workers (nova-compute) before anything touches an object; such a process
    then never needs, or imports, the database layer.
    """
    VersionedObject.indirection_api = ConductorIndirectionAPI(topic=topic)
    LOG.info("objects: remotable methods go through %s", topic)
