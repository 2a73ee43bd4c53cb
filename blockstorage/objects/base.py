"""What Cinder's objects share: the lazily imported DB API and building from a row.

Dict fields (``metadata``, ``extra_specs``) are compared with the value last loaded, so
``volume.metadata = {...}`` or an in-place change are both written by ``save()``.
"""

from __future__ import annotations

import copy
from typing import Any

from common.objects import VersionedObject, fields

NAMESPACE = "blockstorage"


def db() -> Any:
    """Cinder's DB API, imported on first use (only remotable bodies call it)."""
    from blockstorage.db import api

    return api


def set_from_row(obj: VersionedObject, row: Any, names: list[str]) -> None:
    """Copy the row's columns named like ``obj``'s fields; booleans as bool."""
    for name in names:
        if not hasattr(row, name):
            continue
        value = getattr(row, name)
        field = obj.fields[name]
        if isinstance(field, fields.BooleanField):
            value = bool(value) if value is not None else (None if field.nullable else False)
        setattr(obj, name, value)


class DictSnapshotMixin:
    """Report a dict field changed when it differs from the value last loaded/saved."""

    DICT_FIELDS: tuple[str, ...] = ()

    def _remember_dicts(self) -> None:
        values = self.__dict__.get("_values", {})
        self.__dict__["_loaded_dicts"] = {
            name: copy.deepcopy(values[name]) for name in self.DICT_FIELDS if name in values
        }

    def obj_reset_changes(self, fields: Any = None) -> None:
        super().obj_reset_changes(fields)  # type: ignore[misc]
        self._remember_dicts()

    def obj_what_changed(self) -> set[str]:
        changed = super().obj_what_changed()  # type: ignore[misc]
        loaded = self.__dict__.get("_loaded_dicts", {})
        values = self.__dict__.get("_values", {})
        for name in self.DICT_FIELDS:
            if name in values and name in loaded and values[name] != loaded[name]:
                changed.add(name)
        return changed
