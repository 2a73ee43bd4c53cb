"""Nova's ``Quotas``: limits of a project (and of a user in it), their defaults, and the
count-based check.

``check_deltas`` counts current usage and refuses a request that would pass a limit;
it cannot, alone, stop two concurrent requests from both taking the last slot.  Server
creation therefore goes through ``Instance.create_many_with_quota`` (or
``compute.quota.reserve_and_create``), which counts and inserts under a lock.

Version history:
1.0 - initial
"""

from __future__ import annotations

from typing import Any

from common.objects import ObjectRegistry, VersionedObject, fields, remotable_classmethod
from compute import exception, quota
from compute.objects.base import db as _db


@ObjectRegistry.register
class Quotas(VersionedObject):
    OBJ_NAMESPACE = "compute"
    VERSION = "1.0"
    fields = {
        "project_id": fields.StringField(nullable=True),
        "user_id": fields.StringField(nullable=True),
    }

    @remotable_classmethod
    def get_defaults(cls, context: Any) -> dict[str, int]:
        """The limits a project without its own has (``os-quota-sets/{id}/defaults``)."""
        return quota.default_limits(_db().quota_class_get(context, "default"))

    @remotable_classmethod
    def get_project_quotas(
        cls, context: Any, project_id: str, user_id: str | None = None, usages: bool = False
    ) -> dict[str, dict[str, int]]:
        """``{resource: {"limit"[, "in_use", "reserved"]}}`` for the project, or for the
        user in it when ``user_id`` is given (``os-quota-sets`` show / detail)."""
        db = _db()
        level = "user" if user_id is not None else "project"
        limits = db.quota_limits_get(context, project_id, user_id)[level]
        result = {resource: {"limit": limit} for resource, limit in limits.items()}
        if usages:
            counted = db.quota_usage_get(
                context, ["instances", "key_pairs", "server_groups"], project_id, user_id
            )[level]
            for resource, entry in result.items():
                entry["in_use"] = counted.get(resource, 0)
                entry["reserved"] = 0
        return result

    @remotable_classmethod
    def check_deltas(
        cls,
        context: Any,
        deltas: dict[str, int],
        project_id: str,
        user_id: str | None = None,
        group_uuid: str | None = None,
    ) -> None:
        """Refuse (``TooManyInstances`` for servers/cores/RAM, else ``OverQuota``) if the
        project's or the user's usage plus ``deltas`` would pass a limit.
        ``server_group_members`` is counted in the group ``group_uuid``."""
        if quota.is_noop():
            return
        unknown = set(deltas) - set(quota.RESOURCES)
        if unknown:
            raise exception.Invalid(reason=f"Unknown quota resources {sorted(unknown)}")
        db = _db()
        limits = db.quota_limits_get(context, project_id, user_id)
        usages = db.quota_usage_get(context, list(deltas), project_id, user_id, group_uuid)
        for level in ("user", "project") if user_id is not None else ("project",):
            overs = quota.find_overs(deltas, usages[level], limits[level])
            if overs:
                raise quota.over_quota(overs, deltas, usages[level], limits[level])

    @remotable_classmethod
    def limit_check(
        cls, context: Any, project_id: str, user_id: str | None = None, **values: int
    ) -> None:
        """Limits that are not counted (``metadata_items``, ``injected_files``...): each
        value must not pass its limit, else ``OverQuota``."""
        limits = _db().quota_limits_get(context, project_id, user_id)
        effective = limits["user" if user_id is not None else "project"]
        overs = sorted(
            r for r, v in values.items() if effective.get(r, -1) >= 0 and v > effective[r]
        )
        if overs:
            raise exception.OverQuota(
                overs=", ".join(overs),
                quotas={r: effective[r] for r in overs},
                usages={},
                headroom={},
            )

    @remotable_classmethod
    def create_limit(
        cls, context: Any, project_id: str, resource: str, limit: int, user_id: str | None = None
    ) -> None:
        _db().quota_set(context, project_id, resource, limit, user_id)

    @remotable_classmethod
    def update_limit(
        cls, context: Any, project_id: str, resource: str, limit: int, user_id: str | None = None
    ) -> None:
        _db().quota_set(context, project_id, resource, limit, user_id)

    @remotable_classmethod
    def destroy_all_by_project(cls, context: Any, project_id: str) -> None:
        _db().quota_destroy_all_by_project(context, project_id)

    @remotable_classmethod
    def destroy_all_by_project_and_user(cls, context: Any, project_id: str, user_id: str) -> None:
        _db().quota_destroy_all_by_project_and_user(context, project_id, user_id)

    @remotable_classmethod
    def get_class(cls, context: Any, class_name: str) -> dict[str, int]:
        """A quota class's limits (``default`` falls back to the ``[quota]`` options)."""
        stored = _db().quota_class_get(context, class_name)
        if class_name == "default":
            return quota.default_limits(stored)
        return {r: v for r, v in stored.items() if v is not None}

    @remotable_classmethod
    def update_class(cls, context: Any, class_name: str, resource: str, limit: int) -> None:
        _db().quota_class_update(context, class_name, resource, limit)
