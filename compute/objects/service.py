"""Nova's ``Service`` object: one row of the services table.

Version history:
1.0 - initial: id, uuid, host, binary, topic, report_count, disabled, disabled_reason,
      last_seen_up, forced_down, version, timestamps
"""

from __future__ import annotations

from common.objects import ObjectRegistry, fields
from common.objects.service import COMMON_SERVICE_FIELDS, ServiceBase, ServiceListBase

DB_API = "compute.db.api"


@ObjectRegistry.register
class Service(ServiceBase):
    OBJ_NAMESPACE = "compute"
    DB_API = DB_API
    VERSION = "1.0"
    fields = {
        **COMMON_SERVICE_FIELDS,
        "last_seen_up": fields.DateTimeField(nullable=True),
        "forced_down": fields.BooleanField(default=False),
        "version": fields.IntegerField(default=0),
    }


@ObjectRegistry.register
class ServiceList(ServiceListBase):
    OBJ_NAMESPACE = "compute"
    DB_API = DB_API
    VERSION = "1.0"
    fields = {"objects": fields.ListOfObjectsField("Service")}
