"""JSON schemas of the Block Storage API request bodies (Cinder's parameter types)."""

from __future__ import annotations

import copy
from typing import Any

MAX_INT = 2147483647

name_allow_zero: dict[str, Any] = {"type": ["string", "null"], "minLength": 0, "maxLength": 255}
description: dict[str, Any] = {"type": ["string", "null"], "minLength": 0, "maxLength": 255}
volume_size: dict[str, Any] = {
    "type": ["integer", "string"],
    "pattern": "^[0-9]+$",
    "minimum": 1,
    "maximum": MAX_INT,
}
volume_size_allows_null: dict[str, Any] = {**volume_size, "type": ["integer", "string", "null"]}
uuid: dict[str, Any] = {"type": "string", "format": "uuid"}
uuid_allows_null: dict[str, Any] = {"type": ["string", "null"], "format": "uuid"}
boolean: dict[str, Any] = {
    "type": ["boolean", "string"],
    "enum": [
        True, "True", "TRUE", "true", "1", "ON", "On", "on", "YES", "Yes", "yes", "y", "t",
        False, "False", "FALSE", "false", "0", "OFF", "Off", "off", "NO", "No", "no", "n", "f",
    ],
}  # fmt: skip
metadata: dict[str, Any] = {
    "type": ["object", "null"],
    "patternProperties": {"^[a-zA-Z0-9-_:. /]{1,255}$": {"type": "string", "maxLength": 255}},
    "additionalProperties": False,
}
extra_specs: dict[str, Any] = {
    "type": "object",
    "patternProperties": {
        "^[a-zA-Z0-9-_:. /]{1,255}$": {"type": ["string", "integer", "boolean"], "maxLength": 255}
    },
    "additionalProperties": False,
}
connector: dict[str, Any] = {"type": ["object", "null"]}


def wrapped(key: str, properties: dict[str, Any], required: list[str], extra: bool) -> dict:
    return {
        "type": "object",
        "properties": {
            key: {
                "type": "object",
                "properties": copy.deepcopy(properties),
                "required": required,
                "additionalProperties": extra,
            }
        },
        "required": [key],
        "additionalProperties": False,
    }


volume_create = wrapped(
    "volume",
    {
        "name": name_allow_zero,
        "display_name": name_allow_zero,
        "description": description,
        "display_description": description,
        "volume_type": {"type": ["string", "null"], "maxLength": 255},
        "metadata": metadata,
        "snapshot_id": uuid_allows_null,
        "source_volid": uuid_allows_null,
        "consistencygroup_id": uuid_allows_null,
        "size": volume_size_allows_null,
        "availability_zone": {"type": ["string", "null"], "maxLength": 255},
        "multiattach": boolean,
        "image_id": {"type": ["string", "null"], "maxLength": 255},
        "imageRef": {"type": ["string", "null"], "maxLength": 255},
        "group_id": uuid_allows_null,
        "backup_id": uuid_allows_null,
    },
    [],
    True,
)
volume_create["properties"]["OS-SCH-HNT:scheduler_hints"] = {"type": ["object", "null"]}

volume_update = wrapped(
    "volume",
    {
        "name": name_allow_zero,
        "display_name": name_allow_zero,
        "description": description,
        "display_description": description,
        "metadata": metadata,
    },
    [],
    False,
)
volume_update["properties"]["volume"]["minProperties"] = 1

extend = wrapped("os-extend", {"new_size": volume_size}, ["new_size"], False)
reserve = {"type": "object", "properties": {"os-reserve": {"type": ["object", "null"]}}}
initialize_connection = wrapped(
    "os-initialize_connection", {"connector": {"type": "object"}}, ["connector"], False
)
terminate_connection = wrapped(
    "os-terminate_connection", {"connector": {"type": ["string", "object", "null"]}},
    ["connector"], False,
)  # fmt: skip
attach = wrapped(
    "os-attach",
    {
        "instance_uuid": uuid,
        "mountpoint": {"type": "string"},
        "host_name": {"type": "string", "maxLength": 255},
        "mode": {"type": "string", "enum": ["rw", "ro"]},
    },
    ["mountpoint"],
    False,
)
detach = {
    "type": "object",
    "properties": {
        "os-detach": {
            "type": ["object", "null"],
            "properties": {"attachment_id": uuid_allows_null},
            "additionalProperties": False,
        }
    },
    "required": ["os-detach"],
    "additionalProperties": False,
}
set_bootable = wrapped("os-set_bootable", {"bootable": boolean}, ["bootable"], False)
update_readonly = wrapped("os-update_readonly_flag", {"readonly": boolean}, ["readonly"], False)
reset_status = wrapped(
    "os-reset_status",
    {
        "status": {"type": "string"},
        "attach_status": {"type": "string"},
        "migration_status": {"type": "string"},
    },
    [],
    False,
)
force_detach = wrapped(
    "os-force_detach", {"attachment_id": uuid_allows_null, "connector": connector}, [], True
)

snapshot_create = wrapped(
    "snapshot",
    {
        "name": name_allow_zero,
        "display_name": name_allow_zero,
        "description": description,
        "display_description": description,
        "volume_id": uuid,
        "force": boolean,
        "metadata": metadata,
    },
    ["volume_id"],
    False,
)
snapshot_update = wrapped(
    "snapshot",
    {
        "name": name_allow_zero,
        "display_name": name_allow_zero,
        "description": description,
        "display_description": description,
    },
    [],
    False,
)
snapshot_update["properties"]["snapshot"]["minProperties"] = 1

type_create = wrapped(
    "volume_type",
    {
        "name": {"type": "string", "minLength": 1, "maxLength": 255},
        "description": description,
        "extra_specs": extra_specs,
        "os-volume-type-access:is_public": boolean,
    },
    ["name"],
    False,
)
type_update = wrapped(
    "volume_type",
    {
        "name": {"type": ["string", "null"], "minLength": 1, "maxLength": 255},
        "description": description,
        "is_public": boolean,
    },
    [],
    False,
)
extra_specs_create = {
    "type": "object",
    "properties": {"extra_specs": extra_specs},
    "required": ["extra_specs"],
    "additionalProperties": False,
}
add_project_access = wrapped(
    "addProjectAccess", {"project": {"type": "string"}}, ["project"], False
)
remove_project_access = wrapped(
    "removeProjectAccess", {"project": {"type": "string"}}, ["project"], False
)

attachment_create = wrapped(
    "attachment",
    {"instance_uuid": uuid, "connector": connector, "volume_uuid": uuid},
    ["volume_uuid"],
    False,
)
attachment_update = wrapped("attachment", {"connector": {"type": "object"}}, ["connector"], False)

quota_set_update = {
    "type": "object",
    "properties": {"quota_set": {"type": "object"}},
    "required": ["quota_set"],
    "additionalProperties": False,
}
service_update = {
    "type": "object",
    "properties": {
        "host": {"type": "string", "maxLength": 255},
        "binary": {"type": "string", "maxLength": 255},
        "service": {"type": "string", "maxLength": 255},
        "disabled_reason": {"type": ["string", "null"], "maxLength": 255},
    },
    "additionalProperties": True,
}

upload_image = wrapped(
    "os-volume_upload_image",
    {
        "image_name": {"type": "string", "minLength": 1, "maxLength": 255},
        "force": boolean,
        "disk_format": {"type": "string", "enum": ["raw", "qcow2"]},
        "container_format": {"type": "string", "enum": ["bare"]},
        "visibility": {"type": "string", "enum": ["public", "private", "shared", "community"]},
        "protected": boolean,
    },
    ["image_name"],
    False,
)
