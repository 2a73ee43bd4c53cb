"""How arguments, results and the request context are turned into JSON-able values.

Both the client and the server run every argument and result through the serializer,
so a subclass (the versioned-objects serializer) can send objects as primitives and get
objects back on the other side.
"""

from __future__ import annotations

from typing import Any

from common.context import RequestContext


class Serializer:
    """Entities pass through unchanged; the context travels as its dict."""

    def serialize_entity(self, ctxt: Any, entity: Any) -> Any:
        return entity

    def deserialize_entity(self, ctxt: Any, entity: Any) -> Any:
        return entity

    def serialize_context(self, ctxt: Any) -> dict[str, Any]:
        if ctxt is None:
            return {}
        if hasattr(ctxt, "to_dict"):
            return ctxt.to_dict()
        return dict(ctxt)

    def deserialize_context(self, values: dict[str, Any]) -> Any:
        return RequestContext.from_dict(values or {})


class RequestContextSerializer(Serializer):
    """The default serializer: RequestContext on the wire, entities handled by ``base``.

    ``base`` is another serializer for the entities (e.g. versioned objects); without
    one they pass through unchanged.
    """

    def __init__(self, base: Serializer | None = None) -> None:
        self._base = base

    def serialize_entity(self, ctxt: Any, entity: Any) -> Any:
        if self._base is None:
            return entity
        return self._base.serialize_entity(ctxt, entity)

    def deserialize_entity(self, ctxt: Any, entity: Any) -> Any:
        if self._base is None:
            return entity
        return self._base.deserialize_entity(ctxt, entity)
