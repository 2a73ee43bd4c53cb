"""What one scheduling request asks for, read once from the ``RequestSpec``.

Filters and weighers read a ``SchedulingRequest`` rather than the ``RequestSpec`` object
itself: the spec travels over RPC with optional, possibly unset fields (a flavor object,
an image dict, a retry dict, a server group), and reading them in one place keeps every
filter to its one rule.  The scheduler also updates the request while it places several
instances of one request (the server group's hosts and members grow).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

# Old image property names Nova still accepts, mapped to the current ones.
_LEGACY_IMAGE_PROPS = {
    "architecture": "hw_architecture",
    "hypervisor_type": "img_hv_type",
    "vm_mode": "hw_vm_mode",
    "hypervisor_version_requires": "img_hv_requested_version",
}


def read(obj: Any, name: str, default: Any = None) -> Any:
    """``obj.name`` for objects (unset fields give ``default``) and ``obj[name]`` for dicts."""
    if obj is None:
        return default
    if isinstance(obj, dict):
        value = obj.get(name, default)
    else:
        is_set = getattr(obj, "obj_attr_is_set", None)
        if is_set is not None and name in getattr(obj, "fields", {}) and not is_set(name):
            return default
        try:
            value = getattr(obj, name, default)
        except Exception:  # an object that cannot lazy-load the attribute here
            return default
    return default if value is None else value


@dataclass
class GroupInfo:
    """The server group an instance joins: its policy and where its members run."""

    uuid: str | None
    policy: str | None
    rules: dict[str, Any] = field(default_factory=dict)
    members: set[str] = field(default_factory=set)
    hosts: set[str] = field(default_factory=set)

    @property
    def max_server_per_host(self) -> int:
        try:
            return max(1, int(self.rules.get("max_server_per_host", 1)))
        except (TypeError, ValueError):
            return 1


@dataclass
class SchedulingRequest:
    """The resources and constraints of the instances one ``select_destinations`` places."""

    memory_mb: int = 0
    vcpus: int = 0
    root_gb: int = 0
    ephemeral_gb: int = 0
    swap: int = 0
    extra_specs: dict[str, str] = field(default_factory=dict)
    image_props: dict[str, Any] = field(default_factory=dict)
    availability_zone: str | None = None
    num_instances: int = 1
    instance_uuid: str | None = None
    project_id: str | None = None
    user_id: str | None = None
    scheduler_hints: dict[str, Any] = field(default_factory=dict)
    group: GroupInfo | None = None
    retry_hosts: list[tuple[str, str | None]] = field(default_factory=list)
    ignore_hosts: list[str] = field(default_factory=list)
    force_hosts: list[str] = field(default_factory=list)
    force_nodes: list[str] = field(default_factory=list)

    @property
    def requested_disk_mb(self) -> int:
        """Disk the flavor needs on the host, swap included (as Nova's DiskFilter counts)."""
        return 1024 * (self.root_gb + self.ephemeral_gb) + self.swap

    @classmethod
    def from_spec(cls, spec: Any, num_instances: int | None = None) -> SchedulingRequest:
        """Read a ``RequestSpec`` object (or a dict of the same fields)."""
        flavor = read(spec, "flavor")
        image = read(spec, "image", {})
        group = read(spec, "instance_group")
        retry = read(spec, "retry")
        return cls(
            memory_mb=int(read(flavor, "memory_mb", 0)),
            vcpus=int(read(flavor, "vcpus", 0)),
            root_gb=int(read(flavor, "root_gb", 0)),
            ephemeral_gb=int(read(flavor, "ephemeral_gb", 0)),
            swap=int(read(flavor, "swap", 0) or 0),
            extra_specs={str(k): str(v) for k, v in dict(read(flavor, "extra_specs", {})).items()},
            image_props=_image_properties(image),
            availability_zone=read(spec, "availability_zone"),
            num_instances=num_instances or int(read(spec, "num_instances", 1)),
            instance_uuid=read(spec, "instance_uuid"),
            project_id=read(spec, "project_id"),
            user_id=read(spec, "user_id"),
            scheduler_hints=dict(read(spec, "scheduler_hints", {})),
            group=_group_info(group) if group is not None else None,
            retry_hosts=_retry_hosts(retry),
            ignore_hosts=_strings(read(spec, "ignore_hosts", [])),
            force_hosts=_strings(read(spec, "force_hosts", [])),
            force_nodes=_strings(read(spec, "force_nodes", [])),
        )


def _strings(values: Any) -> list[str]:
    if isinstance(values, str):
        return [values]
    return [str(v) for v in values or []]


def _image_properties(image: Any) -> dict[str, Any]:
    props = read(image, "properties", {})
    if not isinstance(props, dict):
        props = {name: read(props, name) for name in getattr(props, "fields", {})}
    result = {}
    for name, value in props.items():
        if value is None:
            continue
        result[_LEGACY_IMAGE_PROPS.get(name, name)] = value
    return result


def _group_info(group: Any) -> GroupInfo:
    policy = read(group, "policy")
    if policy is None:
        policies = read(group, "policies", [])
        policy = policies[0] if policies else None
    rules = read(group, "rules", {})
    if isinstance(rules, str):
        rules = json.loads(rules or "{}")
    hosts = read(group, "hosts", [])
    if callable(hosts):
        hosts = []
    return GroupInfo(
        uuid=read(group, "uuid"),
        policy=policy,
        rules=dict(rules),
        members=set(_strings(read(group, "members", []))),
        hosts=set(_strings(hosts)),
    )


def _retry_hosts(retry: Any) -> list[tuple[str, str | None]]:
    hosts: Iterable[Any] = read(retry, "hosts", []) if retry is not None else []
    result = []
    for entry in hosts:
        if isinstance(entry, str):
            result.append((entry, None))
        else:
            entry = list(entry)
            result.append((str(entry[0]), str(entry[1]) if len(entry) > 1 else None))
    return result
