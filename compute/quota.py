"""Count-based quotas: which limits apply, what fits, and Nova's over-quota errors.

Nova stopped keeping usage counters: it counts what a project has (servers, cores and RAM
from the instances table, key pairs, server groups) when it needs to, and compares with
the limits.  Counting alone races (two requests both see room for the last server), so
creating servers goes through :func:`reserve_and_create`, whose count and inserts run in
one transaction holding a per-project lock row (``Instance.create_many_with_quota``).

Limits, most specific first: a user's limit in the project (``project_user_quotas``),
the project's (``quotas``), then the default.  The default is the ``[quota]`` option when
the operator changed it from its built-in value, else the ``default`` quota class row
(seeded by ``db sync`` with the built-in values, changed by ``os-quota-class-sets``),
else the option.  -1 is unlimited.

This module has no database access of its own; the DB API and the ``Quotas`` object
call it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from common.config import CONF
from compute import conf as _conf  # noqa: F401  (registers [quota])
from compute import exception
from compute.conf.quota import quota_opts

_BUILTIN = {opt.name: opt.default for opt in quota_opts}

RESOURCES = (
    "instances",
    "cores",
    "ram",
    "metadata_items",
    "injected_files",
    "injected_file_content_bytes",
    "injected_file_path_length",
    "key_pairs",
    "server_groups",
    "server_group_members",
)
# Counted per project and per user from the instances table.
INSTANCE_RESOURCES = ("instances", "cores", "ram")
NOOP_DRIVER = "nova.quota.NoopQuotaDriver"
UNLIMITED = -1


def is_noop() -> bool:
    return CONF.quota.driver == NOOP_DRIVER


def default_limits(class_limits: Mapping[str, int | None]) -> dict[str, int]:
    """The defaults every project starts from (see the module doc for the precedence)."""
    if is_noop():
        return dict.fromkeys(RESOURCES, UNLIMITED)
    group = CONF.quota
    result = {}
    for resource in RESOURCES:
        configured = getattr(group, resource)
        builtin = _BUILTIN[resource]
        stored = class_limits.get(resource)
        if configured != builtin or stored is None:
            result[resource] = configured
        else:
            result[resource] = stored
    return result


def effective_limits(
    defaults: Mapping[str, int],
    project_limits: Mapping[str, int | None],
    user_limits: Mapping[str, int | None],
) -> dict[str, dict[str, int]]:
    """``{"project": {...}, "user": {...}}``: a user without its own limit has the
    project's."""
    if is_noop():
        everything = dict.fromkeys(RESOURCES, UNLIMITED)
        return {"project": everything, "user": dict(everything)}
    project = {
        r: project_limits[r] if project_limits.get(r) is not None else defaults[r]
        for r in RESOURCES
    }
    user = {r: user_limits[r] if user_limits.get(r) is not None else project[r] for r in RESOURCES}
    return {"project": project, "user": user}


def find_overs(
    deltas: Mapping[str, int], usages: Mapping[str, int], limits: Mapping[str, int]
) -> list[str]:
    """Resources whose usage plus a positive delta would pass a (non -1) limit."""
    overs = []
    for resource, delta in deltas.items():
        limit = limits.get(resource, UNLIMITED)
        if delta > 0 and limit >= 0 and usages.get(resource, 0) + delta > limit:
            overs.append(resource)
    return sorted(overs)


def over_quota(
    overs: Sequence[str],
    deltas: Mapping[str, int],
    usages: Mapping[str, int],
    limits: Mapping[str, int],
    requested: Mapping[str, str] | None = None,
) -> exception.OverQuota:
    """Nova's error: ``TooManyInstances`` ("Quota exceeded for instances: Requested 1, but
    already used 10 of 10 instances") when servers, cores or RAM are over, else
    ``OverQuota`` naming the resources.  With several resources over, each figure is a
    list in the order of the names ("Quota exceeded for cores, ram: Requested 2, 4096,
    but already used 0, 0 of 1, 1024 cores, ram"); ``requested`` replaces a delta in
    the message (a multi-create asks for "min-max" servers)."""
    headroom = {r: max(limits[r] - usages.get(r, 0), 0) for r in overs}
    details = {
        "quotas": {r: limits[r] for r in overs},
        "usages": {r: usages.get(r, 0) for r in overs},
        "headroom": headroom,
    }
    if any(r in INSTANCE_RESOURCES for r in overs):
        asked = {**{r: str(d) for r, d in deltas.items()}, **(requested or {})}
        return exception.TooManyInstances(
            overs=", ".join(overs),
            req=", ".join(asked[r] for r in overs),
            used=", ".join(str(usages.get(r, 0)) for r in overs),
            allowed=", ".join(str(limits[r]) for r in overs),
            **details,
        )
    return exception.OverQuota(overs=", ".join(overs), **details)


def instance_deltas(values_list: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    return {
        "instances": len(values_list),
        "cores": sum(int(v.get("vcpus") or 0) for v in values_list),
        "ram": sum(int(v.get("memory_mb") or 0) for v in values_list),
    }


def fitting_count(
    values_list: Sequence[Mapping[str, Any]],
    min_count: int,
    count: Callable[[], dict[str, dict[str, int]]],
    limits: Mapping[str, Mapping[str, int]],
) -> int:
    """How many of the servers described by ``values_list`` (instances-table values) fit
    the project's and the user's room, creating the first ones first.  Fewer than
    ``min_count``: the over-quota error for the whole request."""
    if is_noop() or not values_list:
        return len(values_list)
    usages = count()
    fitting = len(values_list)
    while fitting > 0:
        deltas = instance_deltas(values_list[:fitting])
        if not any(find_overs(deltas, usages[level], limits[level]) for level in usages):
            break
        fitting -= 1
    if fitting >= max(min_count, 1) or fitting == len(values_list):
        return fitting
    deltas = instance_deltas(values_list)
    asked = len(values_list)
    low = max(min_count, 1)
    requested = {"instances": str(asked) if low >= asked else f"{low}-{asked}"}
    for level in ("user", "project"):
        overs = find_overs(deltas, usages[level], limits[level])
        if overs:
            raise over_quota(overs, deltas, usages[level], limits[level], requested)
    raise over_quota(["instances"], deltas, usages["project"], limits["project"], requested)


def reserve_and_create(
    ctxt: Any,
    instances: Sequence[Any],
    project_id: str | None = None,
    user_id: str | None = None,
    min_count: int | None = None,
) -> Any:
    """Create ``instances`` (``Instance`` objects not yet created) if the project's quota
    allows, race-free; returns the created ``InstanceList`` (which may be shorter than
    asked, down to ``min_count``).  Raises ``TooManyInstances``."""
    from compute.objects.instance import Instance

    return Instance.create_many_with_quota(
        ctxt, list(instances), project_id=project_id, user_id=user_id, min_count=min_count
    )
