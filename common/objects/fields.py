"""Typed fields of versioned objects.

A field coerces what is assigned to it (so a wrong type fails where it is set, not three
daemons later) and knows how to turn its value into a JSON-safe primitive and back.
"""

from __future__ import annotations

import datetime as dt
import uuid as uuidlib
from typing import Any

_UNSET = object()


class Field:
    """Base field: ``nullable`` fields accept None; ``default`` is used by obj_set_defaults."""

    def __init__(self, nullable: bool = False, default: Any = _UNSET, read_only: bool = False):
        self.nullable = nullable
        self.default = default
        self.read_only = read_only

    @property
    def has_default(self) -> bool:
        return self.default is not _UNSET

    def coerce(self, obj: Any, attr: str, value: Any) -> Any:
        if value is None:
            if self.nullable:
                return None
            raise ValueError(f"Field `{attr}' cannot be None")
        return self._coerce(obj, attr, value)

    def to_primitive(self, obj: Any, attr: str, value: Any) -> Any:
        return None if value is None else self._to_primitive(value)

    def from_primitive(self, obj: Any, attr: str, value: Any) -> Any:
        return None if value is None else self._from_primitive(obj, value)

    def _coerce(self, obj: Any, attr: str, value: Any) -> Any:
        return value

    def _to_primitive(self, value: Any) -> Any:
        return value

    def _from_primitive(self, obj: Any, value: Any) -> Any:
        return value


class StringField(Field):
    def _coerce(self, obj, attr, value):
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            return str(value)
        raise ValueError(f"A string is required in field {attr}, not a {type(value).__name__}")


class UUIDField(StringField):
    def _coerce(self, obj, attr, value):
        value = super()._coerce(obj, attr, value)
        try:
            return str(uuidlib.UUID(value))
        except ValueError as exc:
            raise ValueError(f"Field {attr}: {value!r} is not a UUID") from exc


class EnumField(StringField):
    def __init__(self, valid_values: tuple[str, ...] | list[str], **kwargs: Any):
        super().__init__(**kwargs)
        self.valid_values = tuple(valid_values)

    def _coerce(self, obj, attr, value):
        value = super()._coerce(obj, attr, value)
        if value not in self.valid_values:
            raise ValueError(f"Field {attr}: {value!r} is not one of {self.valid_values}")
        return value


class IntegerField(Field):
    def _coerce(self, obj, attr, value):
        if isinstance(value, bool):
            return int(value)
        try:
            return int(value)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"Field {attr}: {value!r} is not an integer") from exc


class FloatField(Field):
    def _coerce(self, obj, attr, value):
        try:
            return float(value)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"Field {attr}: {value!r} is not a number") from exc


class BooleanField(Field):
    def _coerce(self, obj, attr, value):
        return bool(value)


class DateTimeField(Field):
    """Naive UTC datetimes, as stored in the tables; ISO 8601 on the wire."""

    def _coerce(self, obj, attr, value):
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value)
        if not isinstance(value, dt.datetime):
            raise ValueError(f"Field {attr}: {value!r} is not a datetime")
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value

    def _to_primitive(self, value):
        return value.isoformat()

    def _from_primitive(self, obj, value):
        return self._coerce(obj, "datetime", value)


class DictOfStringsField(Field):
    def _coerce(self, obj, attr, value):
        if not isinstance(value, dict):
            raise ValueError(f"Field {attr}: a dict is required")
        return {str(k): (None if v is None else str(v)) for k, v in value.items()}

    def _to_primitive(self, value):
        return dict(value)


class DictField(Field):
    """A JSON-compatible dict, passed through as is."""

    def _coerce(self, obj, attr, value):
        if not isinstance(value, dict):
            raise ValueError(f"Field {attr}: a dict is required")
        return dict(value)


class ListOfStringsField(Field):
    def _coerce(self, obj, attr, value):
        if not isinstance(value, list | tuple):
            raise ValueError(f"Field {attr}: a list is required")
        return [str(v) for v in value]

    def _to_primitive(self, value):
        return list(value)


class ObjectField(Field):
    """Another versioned object, nested as its primitive."""

    def __init__(self, objname: str, **kwargs: Any):
        super().__init__(**kwargs)
        self.objname = objname

    def _coerce(self, obj, attr, value):
        if getattr(value, "obj_name", lambda: None)() != self.objname:
            raise ValueError(f"Field {attr}: a {self.objname} object is required")
        return value

    def _to_primitive(self, value):
        return value.obj_to_primitive()

    def _from_primitive(self, obj, value):
        from common.objects.base import VersionedObject

        if isinstance(value, VersionedObject):
            # Already rebuilt by the RPC serializer, which walks nested primitives.
            return value
        return VersionedObject.obj_from_primitive(value, getattr(obj, "_context", None))


class ListOfObjectsField(ObjectField):
    def _coerce(self, obj, attr, value):
        return [super(ListOfObjectsField, self)._coerce(obj, attr, v) for v in value]

    def _to_primitive(self, value):
        return [v.obj_to_primitive() for v in value]

    def _from_primitive(self, obj, value):
        return [super(ListOfObjectsField, self)._from_primitive(obj, v) for v in value]
