"""Fixtures for the virt driver tests: a private state_path, options, instance doubles."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from common.config import CONF
from compute import conf as _conf  # noqa: F401  (registers the options)


@dataclass
class FakeFlavor:
    name: str = "m1.tiny"
    memory_mb: int = 512
    vcpus: int = 1
    root_gb: int = 1
    ephemeral_gb: int = 0
    swap: int = 0


@dataclass
class FakeInstance:
    """The Instance attributes a virt driver reads (compute.objects.Instance has them)."""

    uuid: str = field(default_factory=lambda: str(uuid.uuid4()))
    display_name: str = "vm"
    memory_mb: int = 512
    vcpus: int = 1
    root_gb: int = 1
    ephemeral_gb: int = 0
    image_ref: str = "cirros-image"
    host: str = "compute1"
    node: str = "compute1"
    power_state: int = 0
    flavor: FakeFlavor = field(default_factory=FakeFlavor)

    @property
    def name(self) -> str:
        return f"instance-{self.uuid[:8]}"


@pytest.fixture
def make_instance() -> Callable[..., FakeInstance]:
    return FakeInstance


@pytest.fixture
def conf(tmp_path) -> Iterator[Callable[..., None]]:
    """``conf(spawn_delay=0.1)`` sets [fake_driver] options; ``conf(host=..., group=None)``
    sets DEFAULT ones. state_path is a fresh directory and host ``compute1``."""
    overridden: list[tuple[str, str | None]] = []

    def set_opts(group: str | None = "fake_driver", **values: Any) -> None:
        for name, value in values.items():
            CONF.set_override(name, value, group)
            overridden.append((name, group))

    set_opts(group=None, state_path=str(tmp_path / "state"), host="compute1")
    yield set_opts
    for name, group in reversed(overridden):
        CONF.clear_override(name, group)
