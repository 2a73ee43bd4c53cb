"""cinder-manage as an operator runs it: the installed script, a config file, a real DB."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from blockstorage.db import api as cinder_db
from common.context import get_admin_context
from common.db.migration import head_revision
from common.db.models import utcnow

KINDS = ("sqlite", "mysql", "postgresql")
HEAD = head_revision("migrations.blockstorage")  # the newest migration
SCRIPT = Path(sys.executable).parent / "cinder-manage"
HEADINGS = [
    "Binary",
    "Host",
    "Zone",
    "Status",
    "State",
    "Updated At",
    "RPC Version",
    "Object Version",
    "Cluster",
]


def write_config(path: Path, connection: str | None) -> Path:
    lines = ["[database]"] + ([f"connection = {connection}"] if connection else [])
    path.write_text("\n".join(lines) + "\n")
    return path


def run(config: Path, *args: str) -> subprocess.CompletedProcess:
    assert SCRIPT.exists(), f"{SCRIPT} missing: run .venv/bin/pip install -e '.[test]'"
    return subprocess.run(
        [str(SCRIPT), "--config-file", str(config), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def parse_listing(output: str) -> tuple[list[str], dict[str, list[str]]]:
    """Cinder's fixed-width listing: headings are separated by 2+ spaces in the first
    line; each row's cells start at the headings' columns."""
    lines = output.splitlines()
    header = lines[0]
    starts = [header.index(h) for h in HEADINGS]
    rows = {}
    for line in lines[1:]:
        bounds = [*starts[1:], None]
        cells = [line[a:b].strip() for a, b in zip(starts, bounds, strict=True)]
        rows[cells[1]] = cells
    return [header[a:b].strip() for a, b in zip(starts, [*starts[1:], None], strict=True)], rows


@pytest.mark.parametrize("kind", KINDS)
def test_db_sync_then_version_on_a_fresh_database(kind, tmp_path, fresh_database):
    url = fresh_database(kind)
    config = write_config(tmp_path / "cinder.conf", url)
    assert run(config, "db", "version").stdout.strip() == "None"
    for _ in range(2):  # the second sync is a no-op
        sync = run(config, "db", "sync")
        assert sync.returncode == 0, sync.stderr
        version = run(config, "db", "version")
        assert version.returncode == 0 and version.stdout.strip() == HEAD
    engine = sa.create_engine(url)
    columns = {c["name"] for c in sa.inspect(engine).get_columns("services")}
    engine.dispose()
    assert {"availability_zone", "rpc_current_version", "cluster_name", "frozen"} <= columns


@pytest.mark.parametrize("kind", KINDS)
def test_service_list_and_remove(kind, tmp_path, fresh_database):
    url = fresh_database(kind)
    config = write_config(tmp_path / "cinder.conf", url)
    assert run(config, "db", "sync").returncode == 0
    cinder_db.configure(url, max_retries=0)
    try:
        ctxt = get_admin_context()
        live = cinder_db.service_create(
            ctxt,
            {
                "host": "node1@lvm",
                "binary": "cinder-volume",
                "topic": "cinder-volume",
                "availability_zone": "az1",
                "rpc_current_version": "3.0",
                "object_current_version": "1.39",
                "cluster_name": "c1@lvm",
            },
        )
        cinder_db.service_update(ctxt, live.id, {"report_count": 1})
        cinder_db.service_create(
            ctxt,
            {
                "host": "node2",
                "binary": "cinder-scheduler",
                "topic": "cinder-scheduler",
                "created_at": utcnow() - dt.timedelta(hours=1),
            },
        )
        cinder_db.service_update(ctxt, live.id, {"disabled": True})
    finally:
        cinder_db.reset_facade()

    listing = run(config, "service", "list")
    assert listing.returncode == 0, listing.stderr
    headings, rows = parse_listing(listing.stdout)
    assert headings == HEADINGS
    assert rows["node1@lvm"][:5] == ["cinder-volume", "node1@lvm", "az1", "disabled", ":-)"]
    assert rows["node1@lvm"][6:] == ["3.0", "1.39", "c1@lvm"]
    assert rows["node2"][2:5] == ["nova", "enabled", "XXX"]

    removed = run(config, "service", "remove", "cinder-scheduler", "node2")
    assert removed.returncode == 0, removed.stderr
    assert list(parse_listing(run(config, "service", "list").stdout)[1]) == ["node1@lvm"]
    missing = run(config, "service", "remove", "cinder-scheduler", "node2")
    assert missing.returncode == 1 and "Traceback" not in missing.stderr
    assert "cinder-scheduler" in missing.stderr


def test_no_database_configured(tmp_path):
    result = run(write_config(tmp_path / "cinder.conf", None), "db", "sync")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "[database] connection" in result.stderr
