"""What Nova's objects share beyond ``common.objects``: in-place dict change tracking,
and building an object from a DB row.

``instance.metadata["k"] = "v"`` changes the dict without assigning the field, so the
field descriptor never sees it.  Objects listing such fields in ``TRACKED_DICTS`` keep a
snapshot of each dict as it was last saved or received, and report the field changed
when the dict differs from its snapshot.
"""

from __future__ import annotations

import copy
from typing import Any, ClassVar

from common.objects import VersionedObject, fields

_SNAPSHOTS = "_tracked_snapshots"


def db() -> Any:
    """Nova's DB API, imported on first use.

    Only remotable bodies call it, so a process that forwards them to nova-conductor
    (nova-compute) never imports SQLAlchemy or the models.
    """
    from compute.db import api

    return api


_CHANGED = "_tracked_changed"


class TrackedDictsMixin:
    """Mix in before ``VersionedObject``; set ``TRACKED_DICTS`` to the dict fields."""

    TRACKED_DICTS: ClassVar[tuple[str, ...]] = ()

    # ``_changed_fields`` is reassigned (a new set) by the base class whenever the object
    # becomes "clean as of now": after construction, after ``obj_from_primitive`` and
    # after a remotable call came back from the conductor.  Those are the moments to
    # take snapshots; an in-place ``-=`` assigns the same set and keeps them.
    @property
    def _changed_fields(self) -> set[str]:
        return self.__dict__[_CHANGED]

    @_changed_fields.setter
    def _changed_fields(self, value: set[str]) -> None:
        fresh = self.__dict__.get(_CHANGED) is not value
        self.__dict__[_CHANGED] = value
        if fresh:
            self._snapshot([n for n in self.TRACKED_DICTS if n not in value])

    def _snapshot(self, names: list[str] | tuple[str, ...]) -> None:
        snapshots = self.__dict__.setdefault(_SNAPSHOTS, {})
        values = self.__dict__.get("_values", {})
        for name in names:
            if name in values:
                snapshots[name] = copy.deepcopy(values[name])
            else:
                snapshots.pop(name, None)

    def obj_reset_changes(self, fields: list[str] | set[str] | None = None) -> None:
        super().obj_reset_changes(fields)  # type: ignore[misc]
        self._snapshot([n for n in self.TRACKED_DICTS if fields is None or n in fields])

    def obj_what_changed(self) -> set[str]:
        changed = super().obj_what_changed()  # type: ignore[misc]
        snapshots = self.__dict__.get(_SNAPSHOTS, {})
        values = self.__dict__.get("_values", {})
        for name in self.TRACKED_DICTS:
            if name in values and name in snapshots and values[name] != snapshots[name]:
                changed.add(name)
        return changed


def set_from_row(obj: VersionedObject, row: Any, names: list[str] | None = None) -> None:
    """Copy the columns named like ``obj``'s fields (all of them, or ``names``) from a
    DB row: booleans as bool, soft-delete ``deleted`` (0 or the row id) as bool."""
    for name in names if names is not None else obj.fields:
        if not hasattr(row, name):
            continue
        value = getattr(row, name)
        field = obj.fields[name]
        if isinstance(field, fields.BooleanField):
            value = bool(value) if value is not None else (None if field.nullable else False)
        setattr(obj, name, value)
