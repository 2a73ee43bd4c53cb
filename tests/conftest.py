"""Fixtures shared by every tier: the real broker and fresh real databases."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator

import pytest

RABBIT_URL = os.environ.get("NOVELLA_TEST_RABBIT_URL", "rabbit://guest:guest@127.0.0.1:5672/")
MYSQL_ADMIN = os.environ.get("NOVELLA_TEST_MYSQL", "mysql+pymysql://root@127.0.0.1:3306")
PG_ADMIN = os.environ.get("NOVELLA_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432")

DB_KINDS = ("sqlite", "mysql", "postgresql")


@pytest.fixture
def rabbit_url() -> str:
    return RABBIT_URL


def _create_database(kind: str, name: str, tmp_path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / (name + '.sqlite')}"
    import sqlalchemy as sa

    admin = MYSQL_ADMIN if kind == "mysql" else PG_ADMIN
    engine = sa.create_engine(
        admin + ("/" if kind == "mysql" else "/postgres"), isolation_level="AUTOCOMMIT"
    )
    with engine.connect() as conn:
        if kind == "mysql":
            conn.execute(sa.text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
        else:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return f"{admin}/{name}"


def _drop_database(kind: str, name: str) -> None:
    if kind == "sqlite":
        return
    import sqlalchemy as sa

    admin = MYSQL_ADMIN if kind == "mysql" else PG_ADMIN
    engine = sa.create_engine(
        admin + ("/" if kind == "mysql" else "/postgres"), isolation_level="AUTOCOMMIT"
    )
    with engine.connect() as conn:
        if kind == "mysql":
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS `{name}`"))
        else:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture
def fresh_database(tmp_path) -> Iterator[Callable[[str], str]]:
    """Factory: ``fresh_database('mysql')`` creates an empty database, returns its URL,
    and drops it when the test ends."""
    created: list[tuple[str, str]] = []

    def make(kind: str) -> str:
        name = f"novella_test_{uuid.uuid4().hex[:12]}"
        url = _create_database(kind, name, tmp_path)
        created.append((kind, name))
        return url

    yield make
    for kind, name in created:
        _drop_database(kind, name)


def _rabbitmqctl(*args: str) -> None:
    import subprocess

    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


@pytest.fixture
def rabbit_vhost_url() -> Iterator[str]:
    """A transport URL on a fresh RabbitMQ vhost of its own, deleted afterwards.

    Daemons use Nova's fixed queue names (``conductor``, ``scheduler``...), so tests that
    start daemons get a vhost each instead of sharing queues with other tests.
    """
    vhost = f"novella-test-{uuid.uuid4().hex[:10]}"
    _rabbitmqctl("add_vhost", vhost)
    _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    base = RABBIT_URL.rstrip("/")
    try:
        yield f"{base}/{vhost}"
    finally:
        _rabbitmqctl("delete_vhost", vhost)
