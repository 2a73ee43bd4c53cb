"""Fixtures of the scheduler's unit tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

import compute.conf  # noqa: F401  (registers the scheduler's options)
from common.config import CONF


@pytest.fixture
def flags() -> Iterator[Callable[..., None]]:
    """``flags(ram_weight_multiplier=-1.0, group='filter_scheduler')``; undone afterwards."""
    overridden: list[tuple[str, str | None]] = []

    def set_flags(group: str | None = None, **values: Any) -> None:
        for name, value in values.items():
            CONF.set_override(name, value, group)
            overridden.append((name, group))

    yield set_flags
    for name, group in overridden:
        CONF.clear_override(name, group)
