"""Cinder's ``Service`` object: one row of the block storage services table.

Version history:
1.0 - initial: Cinder's columns (availability_zone, rpc/object versions, replication,
      cluster_name ...) on top of the common ones
"""

from __future__ import annotations

from common.objects import ObjectRegistry, fields
from common.objects.service import COMMON_SERVICE_FIELDS, ServiceBase, ServiceListBase

DB_API = "blockstorage.db.api"


@ObjectRegistry.register
class Service(ServiceBase):
    OBJ_NAMESPACE = "blockstorage"
    DB_API = DB_API
    VERSION = "1.0"
    fields = {
        **COMMON_SERVICE_FIELDS,
        "availability_zone": fields.StringField(nullable=True, default="nova"),
        "modified_at": fields.DateTimeField(nullable=True),
        "rpc_current_version": fields.StringField(nullable=True),
        "object_current_version": fields.StringField(nullable=True),
        "replication_status": fields.StringField(nullable=True),
        "active_backend_id": fields.StringField(nullable=True),
        "frozen": fields.BooleanField(default=False),
        "cluster_name": fields.StringField(nullable=True),
    }


@ObjectRegistry.register
class ServiceList(ServiceListBase):
    OBJ_NAMESPACE = "blockstorage"
    DB_API = DB_API
    VERSION = "1.0"
    fields = {"objects": fields.ListOfObjectsField("Service")}
