"""The comparison language of volume-type extra specs against backend capabilities.

``"<is> True"`` compares booleans; ``"= 4"`` means at least 4; ``"== 4"``, ``"!= 4"``,
``">= 4"``, ``"<= 4"`` compare numbers; ``"s== v"``, ``"s!="``, ``"s<"``, ``"s<="``,
``"s>"``, ``"s>="`` compare strings; ``"<in> v"`` is a substring test; ``"<or> a <or>
b"`` any of the values; anything else must equal the capability exactly.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any


def _numeric(op: Callable[[float, float], bool]) -> Callable[[Any, str], bool]:
    def compare(value: Any, wanted: str) -> bool:
        try:
            return op(float(value), float(wanted))
        except (TypeError, ValueError):
            return False

    return compare


def _as_bool(value: Any) -> bool:
    return str(value).strip().lower() in ("true", "1", "yes", "on", "t", "y")


_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": _numeric(operator.ge),
    "==": _numeric(operator.eq),
    "!=": _numeric(operator.ne),
    ">=": _numeric(operator.ge),
    "<=": _numeric(operator.le),
    "s==": lambda v, w: str(v) == w,
    "s!=": lambda v, w: str(v) != w,
    "s<": lambda v, w: str(v) < w,
    "s<=": lambda v, w: str(v) <= w,
    "s>": lambda v, w: str(v) > w,
    "s>=": lambda v, w: str(v) >= w,
    "<in>": lambda v, w: w in str(v),
    "<is>": lambda v, w: _as_bool(v) == _as_bool(w),
}


def match(value: Any, requirement: str) -> bool:
    """Whether a backend's capability ``value`` satisfies ``requirement``."""
    words = str(requirement).split()
    op = words[0] if words else None
    if op != "<or>" and op not in _OPS:
        if isinstance(value, bool):
            return value == _as_bool(requirement)
        return str(value) == str(requirement)
    if value is None:
        return False
    operands = words[1:]
    if op == "<or>":
        return str(value) in operands[::2]
    if not operands:
        return False
    return _OPS[op](value, operands[0])
