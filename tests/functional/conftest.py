"""Fixtures of the functional tier that start real OpenStack peers."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from tests.functional.keystone_server import KeystoneServer

LOG = logging.getLogger(__name__)


@pytest.fixture(scope="session")
def keystone(tmp_path_factory) -> Iterator[KeystoneServer]:
    """A real Keystone from PyPI on 127.0.0.1:5000 (or a free port), for the session.

    It holds the admin, demo, alt_demo and nova users; a test registers its nova-api
    with ``keystone.register_nova_api(url)`` or ``keystone.clouds_yaml(path, port)``.
    """
    server = KeystoneServer(tmp_path_factory.mktemp("keystone"))
    server.start()
    LOG.warning(
        "keystone %s on %s: install %.1fs, seed %.1fs (0 = cached), start + users %.1fs",
        server.venv,
        server.url,
        server.install_seconds,
        server.seed_seconds,
        server.start_seconds,
    )
    yield server
    server.stop()
