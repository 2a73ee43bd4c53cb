"""Versioned objects shared machinery (see base.py for why objects exist)."""

from common.objects.base import (
    ObjectListBase,
    ObjectRegistry,
    VersionedObject,
    obj_make_list,
    remotable,
    remotable_classmethod,
)

__all__ = [
    "ObjectListBase",
    "ObjectRegistry",
    "VersionedObject",
    "obj_make_list",
    "remotable",
    "remotable_classmethod",
]
