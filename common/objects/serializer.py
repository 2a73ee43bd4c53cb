"""Turns versioned objects into primitives on the way onto the bus, and back."""

from __future__ import annotations

from typing import Any

from common import rpc
from common.context import RequestContext
from common.objects.base import VersionedObject


class ObjectSerializer(rpc.Serializer):
    """RPC serializer for every service: contexts as dicts, objects as primitives.

    Containers are walked so a list of objects or a dict holding one also travels.
    """

    def serialize_entity(self, ctxt: Any, entity: Any) -> Any:
        if isinstance(entity, VersionedObject):
            return entity.obj_to_primitive()
        if isinstance(entity, list | tuple | set):
            return [self.serialize_entity(ctxt, item) for item in entity]
        if isinstance(entity, dict):
            return {key: self.serialize_entity(ctxt, value) for key, value in entity.items()}
        return entity

    def deserialize_entity(self, ctxt: Any, entity: Any) -> Any:
        if VersionedObject.is_primitive(entity):
            return VersionedObject.obj_from_primitive(entity, ctxt)
        if isinstance(entity, list):
            return [self.deserialize_entity(ctxt, item) for item in entity]
        if isinstance(entity, dict):
            return {key: self.deserialize_entity(ctxt, value) for key, value in entity.items()}
        return entity

    def serialize_context(self, ctxt: Any) -> dict[str, Any]:
        return ctxt.to_dict() if ctxt is not None else {}

    def deserialize_context(self, ctxt: dict[str, Any]) -> RequestContext:
        return RequestContext.from_dict(ctxt or {})
