"""Versioned objects: the only currency between Novella's daemons.

An object has a ``VERSION`` and typed ``fields``; it tracks which fields changed so that
``save()`` writes only those, and it crosses the bus as a primitive (a JSON dict), never
as an ORM row.  Methods marked ``@remotable`` run where they are called when the process
has database access, and are forwarded to nova-conductor through the class attribute
``indirection_api`` in processes that have none (nova-compute): the object model, not
each caller, decides where database work happens.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Iterator
from typing import Any, ClassVar, Protocol

from common import exception
from common.objects import fields as obj_fields

PRIMITIVE_PREFIX = "novella_object"
_NAME = PRIMITIVE_PREFIX + ".name"
_NAMESPACE = PRIMITIVE_PREFIX + ".namespace"
_VERSION = PRIMITIVE_PREFIX + ".version"
_DATA = PRIMITIVE_PREFIX + ".data"
_CHANGES = PRIMITIVE_PREFIX + ".changes"


class IndirectionAPI(Protocol):
    """What a process without a database uses to run remotable methods elsewhere."""

    def object_action(
        self, context: Any, objinst: VersionedObject, objmethod: str, args: tuple, kwargs: dict
    ) -> tuple[dict[str, Any], Any]: ...

    def object_class_action(
        self,
        context: Any,
        objname: str,
        namespace: str,
        objmethod: str,
        objver: str,
        args: tuple,
        kwargs: dict,
    ) -> Any: ...


class ObjectRegistry:
    """Object classes by (namespace, name): Nova's and Cinder's ``Service`` differ."""

    _classes: ClassVar[dict[tuple[str, str], type[VersionedObject]]] = {}

    @classmethod
    def register(cls, obj_cls: type[VersionedObject]) -> type[VersionedObject]:
        cls._classes[(obj_cls.OBJ_NAMESPACE, obj_cls.obj_name())] = obj_cls
        return obj_cls

    @classmethod
    def get(cls, namespace: str, name: str) -> type[VersionedObject]:
        try:
            return cls._classes[(namespace, name)]
        except KeyError:
            raise exception.UnsupportedObjectError(objtype=f"{namespace}.{name}") from None


def _version_tuple(version: str) -> tuple[int, int]:
    major, _, minor = version.partition(".")
    return int(major), int(minor or 0)


def is_compatible(requested: str, supported: str) -> bool:
    """Same major, and the minor we have is at least the one asked for."""
    req, sup = _version_tuple(requested), _version_tuple(supported)
    return req[0] == sup[0] and req[1] <= sup[1]


def remotable(fn: Callable[..., Any]) -> Callable[..., Any]:
    """An instance method that touches the database (e.g. ``create``, ``save``).

    The wrapped method receives the object's context as its first argument after self.
    """

    @functools.wraps(fn)
    def wrapper(self: VersionedObject, *args: Any, **kwargs: Any) -> Any:
        ctxt = self._context
        if ctxt is None:
            raise exception.OrphanedObjectError(method=fn.__name__, objtype=self.obj_name())
        if self.indirection_api is None:
            return fn(self, ctxt, *args, **kwargs)
        updates, result = self.indirection_api.object_action(ctxt, self, fn.__name__, args, kwargs)
        changed = updates.pop("obj_what_changed", None)
        for name, value in updates.items():
            if name in self.fields:
                field = self.fields[name]
                setattr(self, name, field.from_primitive(self, name, value))
        self._changed_fields = set(changed) if changed is not None else set()
        return result

    wrapper.remotable = True  # type: ignore[attr-defined]
    return wrapper


def remotable_classmethod(fn: Callable[..., Any]) -> classmethod:
    """A class method that touches the database (e.g. ``get_by_id``); takes the context."""

    @functools.wraps(fn)
    def wrapper(cls: type[VersionedObject], context: Any, *args: Any, **kwargs: Any) -> Any:
        if cls.indirection_api is None:
            result = fn(cls, context, *args, **kwargs)
        else:
            result = cls.indirection_api.object_class_action(
                context,
                cls.obj_name(),
                cls.OBJ_NAMESPACE,
                fn.__name__,
                cls.VERSION,
                args,
                kwargs,
            )
        if isinstance(result, VersionedObject):
            result._context = context
        return result

    wrapper.remotable = True  # type: ignore[attr-defined]
    return classmethod(wrapper)


class VersionedObject:
    """Base of every object. Subclasses set VERSION, OBJ_NAMESPACE and ``fields``.

    Each subclass keeps a version history in its docstring ("1.1: added foo").
    """

    VERSION: ClassVar[str] = "1.0"
    OBJ_NAMESPACE: ClassVar[str] = "common"
    fields: ClassVar[dict[str, obj_fields.Field]] = {}
    indirection_api: ClassVar[IndirectionAPI | None] = None

    def __init__(self, context: Any = None, **kwargs: Any) -> None:
        self._context = context
        self._values: dict[str, Any] = {}
        self._changed_fields: set[str] = set()
        for name, value in kwargs.items():
            setattr(self, name, value)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in cls.fields:
            setattr(cls, name, _FieldProperty(name))

    @classmethod
    def obj_name(cls) -> str:
        return cls.__name__

    # -- attribute state ---------------------------------------------------------------
    def obj_attr_is_set(self, name: str) -> bool:
        return name in self._values

    def obj_load_attr(self, name: str) -> None:
        """Called for a field that was never set; subclasses may lazy-load it."""
        raise exception.ObjectActionError(
            action="obj_load_attr", reason=f"attribute {name} not set on {self.obj_name()}"
        )

    def obj_what_changed(self) -> set[str]:
        changed = set(self._changed_fields)
        for name, value in self._values.items():
            if isinstance(value, VersionedObject) and value.obj_what_changed():
                changed.add(name)
        return changed

    def obj_get_changes(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.obj_what_changed()}

    def obj_reset_changes(self, fields: list[str] | set[str] | None = None) -> None:
        if fields is None:
            self._changed_fields.clear()
        else:
            self._changed_fields -= set(fields)

    def obj_set_defaults(self, *names: str) -> None:
        for name in names or tuple(self.fields):
            field = self.fields[name]
            if field.has_default and not self.obj_attr_is_set(name):
                setattr(self, name, copy.deepcopy(field.default))

    def obj_clone(self) -> VersionedObject:
        context, self._context = self._context, None
        try:
            clone = copy.deepcopy(self)
        finally:
            self._context = context
        clone._context = context
        return clone

    def obj_reset_context(self, context: Any) -> None:
        self._context = context

    # -- wire format -------------------------------------------------------------------
    def obj_to_primitive(self) -> dict[str, Any]:
        data = {
            name: self.fields[name].to_primitive(self, name, value)
            for name, value in self._values.items()
        }
        primitive = {
            _NAME: self.obj_name(),
            _NAMESPACE: self.OBJ_NAMESPACE,
            _VERSION: self.VERSION,
            _DATA: data,
        }
        changes = self.obj_what_changed()
        if changes:
            primitive[_CHANGES] = sorted(changes)
        return primitive

    @staticmethod
    def is_primitive(value: Any) -> bool:
        return isinstance(value, dict) and _NAME in value and _DATA in value

    @classmethod
    def obj_from_primitive(cls, primitive: dict[str, Any], context: Any = None) -> VersionedObject:
        objcls = ObjectRegistry.get(primitive.get(_NAMESPACE, "common"), primitive[_NAME])
        version = primitive.get(_VERSION, "1.0")
        if not is_compatible(version, objcls.VERSION):
            raise exception.IncompatibleObjectVersion(
                objname=objcls.obj_name(), objver=version, supported=objcls.VERSION
            )
        obj = objcls(context)
        for name, value in primitive[_DATA].items():
            if name in objcls.fields:
                obj._values[name] = objcls.fields[name].from_primitive(obj, name, value)
        obj._changed_fields = set(primitive.get(_CHANGES, [])) & set(objcls.fields)
        return obj

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={self._values[k]!r}" for k in self.fields if k in self._values)
        return f"{self.obj_name()}({shown})"


class _FieldProperty:
    """Descriptor that coerces on set and records the change."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, obj: VersionedObject | None, objtype: type | None = None) -> Any:
        if obj is None:
            return self
        if self.name not in obj._values:
            obj.obj_load_attr(self.name)
            if self.name not in obj._values:
                raise exception.ObjectActionError(
                    action="get", reason=f"attribute {self.name} not loaded"
                )
        return obj._values[self.name]

    def __set__(self, obj: VersionedObject, value: Any) -> None:
        field = obj.fields[self.name]
        obj._values[self.name] = field.coerce(obj, self.name, value)
        obj._changed_fields.add(self.name)

    def __delete__(self, obj: VersionedObject) -> None:
        obj._values.pop(self.name, None)
        obj._changed_fields.discard(self.name)


class ObjectListBase(VersionedObject):
    """A list of objects that itself crosses the bus (e.g. ``ServiceList``).

    Subclasses declare ``fields = {"objects": ListOfObjectsField("Service")}``.
    """

    def __iter__(self) -> Iterator[Any]:
        return iter(self.objects)

    def __len__(self) -> int:
        return len(self.objects)

    def __getitem__(self, index: int) -> Any:
        return self.objects[index]


def obj_make_list(
    context: Any, list_obj: ObjectListBase, item_cls: type, rows: list[Any], **extra: Any
) -> ObjectListBase:
    """Fill ``list_obj`` with objects built from DB rows by ``item_cls._from_db_object``."""
    list_obj.objects = [
        item_cls._from_db_object(context, item_cls(context), row, **extra) for row in rows
    ]
    list_obj._context = context
    list_obj.obj_reset_changes()
    return list_obj
