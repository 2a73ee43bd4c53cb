"""Options of the block storage service (Cinder's names and groups), registered on import.

Each module in ``_MODULES`` owns the options of one area and exposes ``list_opts()``;
``list_opts()`` here is the ``novella.blockstorage`` namespace of oslo-config-generator.
"""

from __future__ import annotations

import importlib

from oslo_config import cfg

from common.config import CONF

_MODULES = (
    "blockstorage.conf.api",
    "blockstorage.conf.quota",
    "blockstorage.conf.scheduler",
    "blockstorage.conf.volume_api",
    "blockstorage.conf.volume",
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


def set_service_defaults() -> None:
    """Defaults that differ from Nova's; every cinder-* main() calls this before parsing.

    Not done on import, so a process (or test run) that loads both services' options
    keeps Nova's defaults for Nova's code.
    """
    CONF.set_default("control_exchange", "cinder")
    CONF.set_default("default_availability_zone", None)


__all__ = ["CONF", "list_opts", "set_service_defaults"]
