"""Options of the compute service (Nova's names and groups), registered on import.

Each module in ``_MODULES`` owns the options of one area and exposes ``list_opts()``;
``list_opts()`` here is the ``novella.compute`` namespace of oslo-config-generator.
"""

from __future__ import annotations

import importlib

from oslo_config import cfg

from common.config import CONF

_MODULES = (
    "compute.conf.api",
    "compute.conf.scheduler",
    "compute.conf.compute",
    "compute.conf.image",
    "compute.conf.servers",
    "compute.conf.quota",
    "compute.conf.libvirt",
    "compute.conf.vnc",
)


def list_opts() -> list[tuple[str, list[cfg.Opt]]]:
    result: list[tuple[str, list[cfg.Opt]]] = []
    for name in _MODULES:
        result.extend(importlib.import_module(name).list_opts())
    return result


def _register() -> None:
    for group, opts in list_opts():
        CONF.register_opts(opts, group=None if group == "DEFAULT" else group)


_register()

__all__ = ["CONF", "list_opts"]
