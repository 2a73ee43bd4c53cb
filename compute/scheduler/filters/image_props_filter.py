"""ImagePropertiesFilter: the host can run what the image says it needs.

The image may ask for an architecture (``hw_architecture``), a hypervisor type
(``img_hv_type``), a virtual machine mode (``hw_vm_mode``) and a hypervisor version
(``img_hv_requested_version``, e.g. ``">= 6.0, < 8"``); the host advertises the
(architecture, hypervisor type, vm mode) triples it supports.
"""

from __future__ import annotations

import logging
import operator
import re
from collections.abc import Callable
from typing import Any

from compute.scheduler.filters import BaseHostFilter
from compute.scheduler.host_state import HostState
from compute.scheduler.request import SchedulingRequest

LOG = logging.getLogger(__name__)

# Aliases Nova canonicalizes to one name.
_ARCH_ALIASES = {
    "amd64": "x86_64",
    "x64": "x86_64",
    "i386": "i686",
    "i486": "i686",
    "i586": "i686",
    "x86_32": "i686",
    "ia32": "i686",
    "arm64": "aarch64",
    "ppc64el": "ppc64le",
}
_HV_TYPE_ALIASES = {"xapi": "xen"}
_VM_MODE_ALIASES = {"pv": "xen", "hv": "hvm", "baremetal": "hvm"}

_VERSION_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
}
_CLAUSE = re.compile(r"^\s*(<=|>=|==|!=|<|>)?\s*([0-9][0-9.]*)\s*$")


def _canonical(value: Any, aliases: dict[str, str]) -> str | None:
    if not value:
        return None
    value = str(value).lower()
    return aliases.get(value, value)


def version_to_str(version: int) -> str:
    """Nova's integer hypervisor version (1002003) as a dotted string ("1.2.3")."""
    parts = []
    while version:
        version, part = divmod(version, 1000)
        parts.insert(0, str(part))
    return ".".join(parts) or "0"


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.strip(".").split(".") if p != "")


def version_satisfies(version: str, requirement: str) -> bool:
    """Whether ``version`` meets every comma-separated clause (``">= 6.0, < 8"``).

    Versions compare component by component, missing components counting as 0.
    An unparsable requirement is not satisfied.
    """
    have = _version_tuple(version)
    for clause in requirement.split(","):
        match = _CLAUSE.match(clause)
        if not match:
            return False
        op = _VERSION_OPS[match.group(1) or "=="]
        want = _version_tuple(match.group(2))
        width = max(len(have), len(want))
        if not op(have + (0,) * (width - len(have)), want + (0,) * (width - len(want))):
            return False
    return True


class ImagePropertiesFilter(BaseHostFilter):
    """Passes hosts supporting the image's architecture, hypervisor type and vm mode
    (and then its hypervisor version); an image that asks for none of the three runs
    anywhere, as in Nova."""

    run_filter_once_per_request = True

    def host_passes(self, host_state: HostState, request: SchedulingRequest) -> bool:
        props = request.image_props
        wanted = (
            _canonical(props.get("hw_architecture"), _ARCH_ALIASES),
            _canonical(props.get("img_hv_type"), _HV_TYPE_ALIASES),
            _canonical(props.get("hw_vm_mode"), _VM_MODE_ALIASES),
        )
        if not any(wanted):
            return True
        supported = host_state.supported_instances
        if not supported:
            LOG.debug("%s advertises no supported instances; image wants %s", host_state, wanted)
            return False
        for triple in supported:
            canonical = (
                _canonical(triple[0], _ARCH_ALIASES),
                _canonical(triple[1], _HV_TYPE_ALIASES),
                _canonical(triple[2], _VM_MODE_ALIASES),
            )
            if all(w is None or w == have for w, have in zip(wanted, canonical, strict=True)):
                return self._version_ok(host_state, props.get("img_hv_requested_version"))
        LOG.debug("%s does not support %s (it supports %s)", host_state, wanted, supported)
        return False

    @staticmethod
    def _version_ok(host_state: HostState, required: str | None) -> bool:
        if not (required and host_state.hypervisor_version):
            return True
        have = version_to_str(int(host_state.hypervisor_version))
        if version_satisfies(have, str(required)):
            return True
        LOG.debug("%s hypervisor version %s does not satisfy %s", host_state, have, required)
        return False
