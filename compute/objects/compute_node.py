"""Nova's ``ComputeNode``: a hypervisor's resources as its nova-compute reports them
(through the conductor), read by the scheduler and ``os-hypervisors``.

Version history:
1.0 - initial
"""

from __future__ import annotations

import json
from typing import Any

from common.objects import (
    ObjectListBase,
    ObjectRegistry,
    VersionedObject,
    fields,
    remotable,
    remotable_classmethod,
)
from compute import exception
from compute.objects.base import db as _db
from compute.objects.base import set_from_row


@ObjectRegistry.register
class ComputeNode(VersionedObject):
    OBJ_NAMESPACE = "compute"
    VERSION = "1.0"
    fields = {
        "id": fields.IntegerField(),
        "uuid": fields.UUIDField(),
        "service_id": fields.IntegerField(nullable=True),
        "host": fields.StringField(nullable=True),
        "hypervisor_hostname": fields.StringField(nullable=True),
        "vcpus": fields.IntegerField(),
        "memory_mb": fields.IntegerField(),
        "local_gb": fields.IntegerField(),
        "vcpus_used": fields.IntegerField(default=0),
        "memory_mb_used": fields.IntegerField(default=0),
        "local_gb_used": fields.IntegerField(default=0),
        "free_ram_mb": fields.IntegerField(nullable=True),
        "free_disk_gb": fields.IntegerField(nullable=True),
        "running_vms": fields.IntegerField(nullable=True),
        "hypervisor_type": fields.StringField(),
        "hypervisor_version": fields.IntegerField(),
        "cpu_info": fields.StringField(default="{}"),
        "disk_available_least": fields.IntegerField(nullable=True),
        "current_workload": fields.IntegerField(nullable=True),
        "cpu_allocation_ratio": fields.FloatField(nullable=True),
        "ram_allocation_ratio": fields.FloatField(nullable=True),
        "disk_allocation_ratio": fields.FloatField(nullable=True),
        "stats": fields.DictField(default={}),
        "host_ip": fields.StringField(nullable=True),
        "created_at": fields.DateTimeField(nullable=True),
        "updated_at": fields.DateTimeField(nullable=True),
        "deleted_at": fields.DateTimeField(nullable=True),
        "deleted": fields.BooleanField(default=False),
    }

    @classmethod
    def _from_db_object(cls, context: Any, node: ComputeNode, row: Any) -> ComputeNode:
        set_from_row(node, row, [n for n in cls.fields if n != "stats"])
        node.stats = json.loads(row.stats or "{}")
        node._context = context
        node.obj_reset_changes()
        return node

    def _db_values(self, names: set[str]) -> dict[str, Any]:
        values = {n: getattr(self, n) for n in names if n not in ("id", "deleted")}
        if "stats" in values:
            values["stats"] = json.dumps(values["stats"])
        return values

    @remotable_classmethod
    def get_by_id(cls, context: Any, compute_id: int) -> ComputeNode:
        return cls._from_db_object(context, cls(), _db().compute_node_get(context, compute_id))

    @remotable_classmethod
    def get_by_uuid(cls, context: Any, compute_uuid: str) -> ComputeNode:
        row = _db().compute_node_get_by_uuid(context, compute_uuid)
        return cls._from_db_object(context, cls(), row)

    @remotable_classmethod
    def get_by_host_and_nodename(cls, context: Any, host: str, nodename: str) -> ComputeNode:
        row = _db().compute_node_get_by_host_and_nodename(context, host, nodename)
        return cls._from_db_object(context, cls(), row)

    @remotable
    def create(self, context: Any) -> None:
        if self.obj_attr_is_set("id"):
            raise exception.ObjectActionError(action="create", reason="already created")
        self.obj_set_defaults("vcpus_used", "memory_mb_used", "local_gb_used", "cpu_info", "stats")
        row = _db().compute_node_create(context, self._db_values(self.obj_what_changed()))
        self._from_db_object(context, self, row)

    @remotable
    def save(self, context: Any) -> None:
        updates = self._db_values(self.obj_what_changed())
        updates.pop("uuid", None)
        if updates:
            self._from_db_object(
                context, self, _db().compute_node_update(context, self.id, updates)
            )

    @remotable
    def destroy(self, context: Any) -> None:
        _db().compute_node_delete(context, self.id)
        self.deleted = True
        self.obj_reset_changes()


@ObjectRegistry.register
class ComputeNodeList(ObjectListBase):
    OBJ_NAMESPACE = "compute"
    VERSION = "1.0"
    fields = {"objects": fields.ListOfObjectsField("ComputeNode")}

    @classmethod
    def _build(cls, context: Any, rows: list[Any]) -> ComputeNodeList:
        result = cls(context)
        result.objects = [ComputeNode._from_db_object(context, ComputeNode(), r) for r in rows]
        result.obj_reset_changes()
        return result

    @remotable_classmethod
    def get_all(cls, context: Any) -> ComputeNodeList:
        return cls._build(context, _db().compute_node_get_all(context))

    @remotable_classmethod
    def get_all_by_host(cls, context: Any, host: str) -> ComputeNodeList:
        """The host's nodes; none -> ``ComputeHostNotFound``."""
        return cls._build(context, _db().compute_node_get_all_by_host(context, host))

    @remotable_classmethod
    def get_by_hypervisor(cls, context: Any, hypervisor_match: str) -> ComputeNodeList:
        """Nodes whose hypervisor_hostname contains ``hypervisor_match``."""
        return cls._build(
            context, _db().compute_node_search_by_hypervisor(context, hypervisor_match)
        )
