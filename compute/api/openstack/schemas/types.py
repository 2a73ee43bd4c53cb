"""JSON-schema building blocks of the Compute API bodies, as Nova's parameter types
describe them (names, integers given as numbers or digit strings, booleans)."""

from __future__ import annotations

import copy
from typing import Any

MAX_INT = 2147483647
SQL_SP_FLOAT_MAX = 3.40282e38

# Printable, not starting or ending with white space (Nova's "name" format).
NAME_PATTERN = r"^(?![\s])[^\x00-\x1f\x7f]+(?<![\s])$"

name: dict[str, Any] = {
    "type": "string",
    "minLength": 1,
    "maxLength": 255,
    "pattern": NAME_PATTERN,
}

name_or_none: dict[str, Any] = {**name, "type": ["string", "null"]}

positive_integer: dict[str, Any] = {
    "type": ["integer", "string"],
    "pattern": "^[0-9]+$",
    "minimum": 1,
    "maximum": MAX_INT,
}

non_negative_integer: dict[str, Any] = {**positive_integer, "minimum": 0}

non_negative_integer_with_minus_one: dict[str, Any] = {
    "type": ["integer", "string"],
    "pattern": "^-?[0-9]+$",
    "minimum": -1,
    "maximum": MAX_INT,
}

boolean: dict[str, Any] = {
    "type": ["boolean", "string"],
    "enum": [
        True, "True", "TRUE", "true", "1", "ON", "On", "on", "YES", "Yes", "yes", "y", "t",
        False, "False", "FALSE", "false", "0", "OFF", "Off", "off", "NO", "No", "no", "n", "f",
    ],
}  # fmt: skip

# Metadata keys Nova accepts (aggregates, extra specs).
METADATA_KEY_PATTERN = "^[a-zA-Z0-9-_:. ]{1,255}$"


def metadata(value_types: list[str], nullable: bool = False) -> dict[str, Any]:
    """A key/value object with Nova's key pattern and values up to 255 characters."""
    types = list(value_types) + (["null"] if nullable else [])
    return {
        "type": "object",
        "patternProperties": {
            METADATA_KEY_PATTERN: {"type": types, "maxLength": 255},
        },
        "additionalProperties": False,
    }


def body(key: str, properties: dict[str, Any], required: list[str], **extra: Any) -> dict:
    """``{key: {properties...}}`` with nothing else allowed, at either level."""
    inner = {
        "type": "object",
        "properties": copy.deepcopy(properties),
        "required": required,
        "additionalProperties": False,
        **extra,
    }
    return {
        "type": "object",
        "properties": {key: inner},
        "required": [key],
        "additionalProperties": False,
    }
