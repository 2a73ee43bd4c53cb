"""JSON schemas of the servers API at v2.1: create, update and the server actions.

The shapes and limits are Nova's (``nova/api/openstack/compute/schemas/servers.py`` and
friends): a name of 1-255 characters without leading or trailing spaces, counts as
positive integers (or digit strings), metadata of at most 255 characters per key and
value, user data of at most 65535 base64 characters.
"""

from __future__ import annotations

from typing import Any

# A name that does not start or end with whitespace (Nova's parameter_types.name).
NAME: dict[str, Any] = {
    "type": "string",
    "minLength": 1,
    "maxLength": 255,
    "pattern": r"^(?!\s)[\s\S]*(?<!\s)$",
}
POSITIVE_INTEGER: dict[str, Any] = {
    "type": ["integer", "string"],
    "pattern": "^[0-9]*$",
    "minimum": 1,
    "minLength": 1,
}
FLAVOR_REF: dict[str, Any] = {"type": ["string", "integer"], "minLength": 1}
IMAGE_REF: dict[str, Any] = {"type": "string"}
BOOLEAN: dict[str, Any] = {
    "type": ["boolean", "string"],
    "enum": [
        True, "True", "TRUE", "true", "1", "ON", "On", "on", "YES", "Yes", "yes",
        False, "False", "FALSE", "false", "0", "OFF", "Off", "off", "NO", "No", "no",
    ],
}  # fmt: skip
ADMIN_PASSWORD: dict[str, Any] = {"type": "string"}
METADATA: dict[str, Any] = {
    "type": "object",
    "patternProperties": {
        "^[a-zA-Z0-9-_:. ]{1,255}$": {"type": "string", "maxLength": 255},
    },
    "additionalProperties": False,
}
IPV4: dict[str, Any] = {"type": "string", "format": "ipv4"}
IPV6: dict[str, Any] = {"type": "string", "format": "ipv6"}
DISK_CONFIG: dict[str, Any] = {"type": "string", "enum": ["AUTO", "MANUAL"]}

# os-block-device-mapping (v2 and the legacy v1 form), part of the 2.1 create body.
BLOCK_DEVICE_MAPPING_V2: dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "source_type": {"type": "string", "enum": ["volume", "image", "snapshot", "blank"]},
            "destination_type": {"type": "string", "enum": ["local", "volume"]},
            "uuid": {"type": "string", "minLength": 1, "maxLength": 255},
            "boot_index": {"type": ["integer", "string", "null"]},
            "delete_on_termination": BOOLEAN,
            "volume_size": {"type": ["integer", "string", "null"]},
            "device_name": {"type": "string", "maxLength": 255},
            "device_type": {"type": "string", "maxLength": 255},
            "disk_bus": {"type": "string", "maxLength": 255},
            "guest_format": {"type": "string", "maxLength": 255},
            "no_device": {},
            "snapshot_id": {"type": "string"},
            "volume_id": {"type": "string"},
            "image_id": {"type": "string"},
        },
        "additionalProperties": False,
    },
}
BLOCK_DEVICE_MAPPING: dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "device_name": {"type": "string", "maxLength": 255},
            "volume_id": {"type": "string"},
            "snapshot_id": {"type": "string"},
            "volume_size": {"type": ["integer", "string", "null"]},
            "delete_on_termination": BOOLEAN,
            "no_device": {},
            "virtual_name": {"type": "string"},
        },
        "additionalProperties": False,
    },
}
PERSONALITY: dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {"path": {"type": "string"}, "contents": {"type": "string"}},
        "additionalProperties": False,
    },
}

SCHEDULER_HINTS: dict[str, Any] = {
    "type": "object",
    "properties": {
        "group": {"type": "string", "format": "uuid"},
        "different_host": {
            "type": ["string", "array"],
            "format": "uuid",
            "items": {"type": "string", "format": "uuid"},
        },
        "same_host": {
            "type": ["string", "array"],
            "format": "uuid",
            "items": {"type": "string", "format": "uuid"},
        },
        "query": {"type": ["string", "object"]},
        "target_cell": {"type": "string"},
        "build_near_host_ip": {"type": "string", "format": "ipv4"},
        "cidr": {"type": "string", "pattern": r"^/[0-9a-f.:]+$"},
    },
    # Custom filters may read hints of their own.
    "additionalProperties": True,
}

CREATE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "server": {
            "type": "object",
            "properties": {
                "name": NAME,
                "imageRef": IMAGE_REF,
                "flavorRef": FLAVOR_REF,
                "adminPass": ADMIN_PASSWORD,
                "metadata": METADATA,
                "networks": {"type": ["array", "string"]},
                "OS-DCF:diskConfig": DISK_CONFIG,
                "accessIPv4": IPV4,
                "accessIPv6": IPV6,
                "availability_zone": {"type": "string", "minLength": 1, "maxLength": 255},
                "config_drive": BOOLEAN,
                "key_name": NAME,
                "min_count": POSITIVE_INTEGER,
                "max_count": POSITIVE_INTEGER,
                "return_reservation_id": BOOLEAN,
                "security_groups": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"name": {"type": "string", "minLength": 1}},
                        "additionalProperties": False,
                    },
                },
                "user_data": {"type": "string", "maxLength": 65535},
                "block_device_mapping_v2": BLOCK_DEVICE_MAPPING_V2,
                "block_device_mapping": BLOCK_DEVICE_MAPPING,
                "personality": PERSONALITY,
            },
            "required": ["name", "flavorRef"],
            "additionalProperties": False,
        },
        "os:scheduler_hints": SCHEDULER_HINTS,
        "OS-SCH-HNT:scheduler_hints": SCHEDULER_HINTS,
    },
    "required": ["server"],
    "additionalProperties": False,
}

UPDATE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "server": {
            "type": "object",
            "properties": {
                "name": NAME,
                "accessIPv4": IPV4,
                "accessIPv6": IPV6,
                "OS-DCF:diskConfig": DISK_CONFIG,
            },
            "additionalProperties": False,
        },
    },
    "required": ["server"],
    "additionalProperties": False,
}

REBOOT: dict[str, Any] = {
    "type": "object",
    "properties": {
        "reboot": {
            "type": "object",
            "properties": {
                "type": {"enum": ["HARD", "Hard", "hard", "SOFT", "Soft", "soft"]},
            },
            "required": ["type"],
            "additionalProperties": False,
        },
    },
    "required": ["reboot"],
    "additionalProperties": False,
}

REBUILD: dict[str, Any] = {
    "type": "object",
    "properties": {
        "rebuild": {
            "type": "object",
            "properties": {
                "name": NAME,
                "imageRef": {"type": "string", "minLength": 1},
                "adminPass": ADMIN_PASSWORD,
                "metadata": METADATA,
                "preserve_ephemeral": {"type": "boolean"},
                "OS-DCF:diskConfig": DISK_CONFIG,
                "accessIPv4": IPV4,
                "accessIPv6": IPV6,
                "personality": {"type": "array"},
            },
            "required": ["imageRef"],
            "additionalProperties": False,
        },
    },
    "required": ["rebuild"],
    "additionalProperties": False,
}

RESIZE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "resize": {
            "type": "object",
            "properties": {"flavorRef": FLAVOR_REF, "OS-DCF:diskConfig": DISK_CONFIG},
            "required": ["flavorRef"],
            "additionalProperties": False,
        },
    },
    "required": ["resize"],
    "additionalProperties": False,
}

CREATE_IMAGE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "createImage": {
            "type": "object",
            "properties": {"name": NAME, "metadata": METADATA},
            "required": ["name"],
            "additionalProperties": False,
        },
    },
    "required": ["createImage"],
    "additionalProperties": False,
}

# Actions without arguments take ``null`` (Nova accepts any value and ignores it).
METADATA_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {"metadata": METADATA},
    "required": ["metadata"],
    "additionalProperties": False,
}
META_ITEM_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {"meta": {**METADATA, "minProperties": 1, "maxProperties": 1}},
    "required": ["meta"],
    "additionalProperties": False,
}


# os-console-output: how many lines from the end (-1 or absent: everything).
GET_CONSOLE_OUTPUT: dict[str, Any] = {
    "type": "object",
    "properties": {
        "os-getConsoleOutput": {
            "type": "object",
            "properties": {
                "length": {
                    "type": ["integer", "string", "null"],
                    "pattern": "^-?[0-9]+$",
                    "minimum": -1,
                },
            },
            "additionalProperties": False,
        },
    },
    "required": ["os-getConsoleOutput"],
    "additionalProperties": False,
}
