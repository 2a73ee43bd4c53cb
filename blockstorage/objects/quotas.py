"""Cinder's quotas as one object of class methods: limits of a project, defaults,
changes.  Usage is counted (never reserved); creating volumes and snapshots checks and
inserts under a per-project lock (``Volume.create_with_quota``), so concurrent requests
cannot pass a limit.

Version history:
1.0 - initial
"""

from __future__ import annotations

from typing import Any

from blockstorage.objects.base import NAMESPACE
from blockstorage.objects.base import db as _db
from common.objects import ObjectRegistry, VersionedObject, fields, remotable_classmethod


@ObjectRegistry.register
class Quotas(VersionedObject):
    OBJ_NAMESPACE = NAMESPACE
    VERSION = "1.0"
    fields = {"project_id": fields.StringField(nullable=True)}

    @remotable_classmethod
    def get_project_quotas(
        cls, context: Any, project_id: str, usages: bool = False
    ) -> dict[str, Any]:
        """``{resource: limit}``, or ``{resource: {"limit", "in_use", "reserved"}}``."""
        return _db().quota_get_project(context, project_id, usages)

    @remotable_classmethod
    def get_defaults(cls, context: Any) -> dict[str, int]:
        return _db().quota_get_defaults(context)

    @remotable_classmethod
    def get_usage(cls, context: Any, project_id: str) -> dict[str, int]:
        return _db().quota_usage_get(context, project_id)

    @remotable_classmethod
    def update_limit(cls, context: Any, project_id: str, resource: str, limit: int) -> None:
        _db().quota_set(context, project_id, resource, limit)

    @remotable_classmethod
    def destroy_all_by_project(cls, context: Any, project_id: str) -> None:
        _db().quota_destroy_all_by_project(context, project_id)
