"""Helpers of the cinder-volume driver tests: a backend section, a recording executor."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import pytest

from blockstorage.conf.volume import BackendConfiguration
from common import processutils
from common.config import CONF


@contextmanager
def backend_section(**values: Any) -> Iterator[BackendConfiguration]:
    """A fresh ``[backend-xxxx]`` section with ``values`` set, removed afterwards."""
    name = f"backend-{uuid.uuid4().hex[:8]}"
    config = BackendConfiguration(name)
    for key, value in values.items():
        CONF.set_override(key, value, group=name)
    try:
        yield config
    finally:
        for key in values:
            CONF.clear_override(key, group=name)


class RecordingExecute:
    """``processutils.execute`` that keeps every command line it ran (still running it)."""

    def __init__(self) -> None:
        self.commands: list[list[str]] = []

    def __call__(self, *cmd: str, **kwargs: Any) -> tuple[str, str]:
        self.commands.append([str(c) for c in cmd])
        return processutils.execute(*cmd, **kwargs)

    def named(self, program: str) -> list[list[str]]:
        return [c for c in self.commands if c[0] == program]


def make_volume(size: int = 1, **fields: Any) -> SimpleNamespace:
    values = {
        "id": str(uuid.uuid4()),
        "size": size,
        "provider_location": None,
        "provider_auth": None,
        "attach_status": "detached",
    }
    values.update(fields)
    return SimpleNamespace(**values)


def require_tools(*tools: str) -> None:
    import os

    if os.geteuid() != 0:
        pytest.fail("these tests drive root-only tools (losetup, lvm, tgtd) and need root")
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        # ./run_tests.sh installs them (devstack-like/lib/packages.sh): a missing tool is
        # a broken install, not a reason to pass without testing.
        pytest.fail(f"not installed: {', '.join(missing)} (devstack-like/lib/packages.sh)")
