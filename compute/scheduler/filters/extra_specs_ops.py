"""The small comparison language of flavor extra specs against host values.

``"= 4"`` means at least 4 (numeric), ``"== 4"`` / ``"!= 4"`` / ``">= 4"`` / ``"<= 4"``
compare numbers, ``"s== v"``, ``"s!="``, ``"s<"``, ``"s<="``, ``"s>"``, ``"s>="``
compare strings, ``"<in> v"`` is a substring test, ``"<all-in> a b"`` needs every word,
``"<or> a <or> b"`` any of them; anything else must equal the value exactly.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any


def _numeric(op: Callable[[float, float], bool]) -> Callable[[str, str], bool]:
    def compare(value: str, wanted: str) -> bool:
        try:
            return op(float(value), float(wanted))
        except (TypeError, ValueError):
            return False

    return compare


_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": _numeric(operator.ge),
    "==": _numeric(operator.eq),
    "!=": _numeric(operator.ne),
    ">=": _numeric(operator.ge),
    "<=": _numeric(operator.le),
    "s==": operator.eq,
    "s!=": operator.ne,
    "s<": operator.lt,
    "s<=": operator.le,
    "s>": operator.gt,
    "s>=": operator.ge,
    "<in>": lambda value, wanted: wanted in value,
    "<all-in>": lambda value, wanted: all(word in value for word in wanted),
}


def match(value: str | None, requirement: str) -> bool:
    """Whether a host's ``value`` satisfies the extra spec ``requirement``."""
    words = requirement.split()
    op = words[0] if words else None
    if op != "<or>" and op not in _OPS:
        return value == requirement
    if value is None:
        return False
    operands = words[1:]
    if op == "<or>":
        # "<or> a <or> b": the operands sit at every other position.
        return value in operands[::2]
    if not operands:
        return False
    if op == "<all-in>":
        return _OPS[op](value, operands)
    return _OPS[op](value, operands[0])
