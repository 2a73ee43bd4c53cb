"""nova-manage as an operator runs it: the installed script, a config file, a real DB."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from common.context import get_admin_context
from common.db.migration import head_revision
from common.db.models import utcnow
from compute.db import api as nova_db

KINDS = ("sqlite", "mysql", "postgresql")
SCRIPT = Path(sys.executable).parent / "nova-manage"
HEAD = head_revision("migrations.compute")  # the newest migration


def write_config(path: Path, connection: str | None, **database: object) -> Path:
    lines = ["[DEFAULT]", "debug = false", "", "[database]"]
    if connection:
        lines.append(f"connection = {connection}")
    lines += [f"{key} = {value}" for key, value in database.items()]
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


def assert_clean_failure(result: subprocess.CompletedProcess, *fragments: str) -> None:
    assert result.returncode == 1, result
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


@pytest.fixture
def synced(tmp_path, fresh_database):
    """Factory: a freshly created and synced nova database; returns (config, url)."""

    def make(kind: str) -> tuple[Path, str]:
        url = fresh_database(kind)
        config = write_config(tmp_path / f"nova-{kind}.conf", url)
        result = run(config, "db", "sync")
        assert result.returncode == 0, result.stderr
        return config, url

    yield make
    nova_db.reset_facade()


def parse_table(output: str) -> dict[str, dict[str, str]]:
    """Rows of a prettytable, keyed by Host (then Binary when hosts repeat)."""
    lines = [line for line in output.splitlines() if line.startswith("|")]
    headings = [cell.strip() for cell in lines[0].strip("|").split("|")]
    rows = {}
    for line in lines[1:]:
        cells = dict(zip(headings, (c.strip() for c in line.strip("|").split("|")), strict=True))
        rows[cells["Host"]] = cells
    return rows


@pytest.mark.parametrize("kind", KINDS)
def test_db_sync_then_version_on_a_fresh_database(kind, tmp_path, fresh_database):
    url = fresh_database(kind)
    config = write_config(tmp_path / "nova.conf", url)
    before = run(config, "db", "version")
    assert before.returncode == 0 and before.stdout.strip() == "None"
    sync = run(config, "db", "sync")
    assert sync.returncode == 0, sync.stderr
    version = run(config, "db", "version")
    assert version.returncode == 0 and version.stdout.strip() == HEAD
    engine = sa.create_engine(url)
    tables = set(sa.inspect(engine).get_table_names())
    assert {"services", "alembic_version"} <= tables
    columns_before = [c["name"] for c in sa.inspect(engine).get_columns("services")]
    engine.dispose()

    again = run(config, "db", "sync")
    assert again.returncode == 0, again.stderr
    assert run(config, "db", "version").stdout.strip() == HEAD
    engine = sa.create_engine(url)
    assert [c["name"] for c in sa.inspect(engine).get_columns("services")] == columns_before
    engine.dispose()


def test_db_sync_to_an_unknown_revision_fails_cleanly(synced):
    config, _ = synced("sqlite")
    assert_clean_failure(run(config, "db", "sync", "9999"), "9999")


@pytest.mark.parametrize("kind", KINDS)
def test_service_list_disable_enable_delete(kind, synced):
    config, url = synced(kind)
    nova_db.configure(url, max_retries=0)
    ctxt = get_admin_context()
    now = utcnow()
    fresh = nova_db.service_create(
        ctxt,
        {"host": "cn1", "binary": "nova-compute", "topic": "compute", "last_seen_up": now},
    )
    nova_db.service_create(
        ctxt,
        {
            "host": "cn2",
            "binary": "nova-compute",
            "topic": "compute",
            "last_seen_up": now - dt.timedelta(minutes=10),
        },
    )
    nova_db.service_create(
        ctxt,
        {"host": "ctl", "binary": "nova-conductor", "topic": "conductor", "last_seen_up": now},
    )

    listing = run(config, "service", "list")
    assert listing.returncode == 0, listing.stderr
    headings = [c.strip() for c in listing.stdout.splitlines()[1].strip("|").split("|")]
    assert headings == ["Binary", "Host", "Zone", "Status", "State", "Updated_At"]
    rows = parse_table(listing.stdout)
    assert rows["cn1"]["State"] == "up" and rows["cn1"]["Status"] == "enabled"
    assert rows["cn2"]["State"] == "down"
    assert rows["cn1"]["Zone"] == "nova" and rows["ctl"]["Zone"] == "internal"

    only = parse_table(run(config, "service", "list", "--host", "ctl").stdout)
    assert list(only) == ["ctl"]

    disable = run(config, "service", "disable", "cn1", "nova-compute", "--reason", "RAM test")
    assert disable.returncode == 0, disable.stderr
    assert parse_table(run(config, "service", "list").stdout)["cn1"]["Status"] == "disabled"
    reason = nova_db.service_get(ctxt, fresh.id).disabled_reason
    assert reason == "RAM test"

    enable = run(config, "service", "enable", "cn1", "nova-compute")
    assert enable.returncode == 0, enable.stderr
    assert parse_table(run(config, "service", "list").stdout)["cn1"]["Status"] == "enabled"
    assert nova_db.service_get(ctxt, fresh.id).disabled_reason is None

    delete = run(config, "service", "delete", str(fresh.id))
    assert delete.returncode == 0, delete.stderr
    assert "cn1" not in parse_table(run(config, "service", "list").stdout)
    cn2 = nova_db.service_get_by_host_and_binary(ctxt, "cn2", "nova-compute")
    assert run(config, "service", "delete", cn2.uuid).returncode == 0
    assert list(parse_table(run(config, "service", "list").stdout)) == ["ctl"]


def test_unknown_services_are_refused_with_a_message(synced):
    config, _ = synced("sqlite")
    assert_clean_failure(
        run(config, "service", "disable", "nohost", "nova-compute"),
        "Could not find binary nova-compute on host nohost",
    )
    assert_clean_failure(run(config, "service", "enable", "nohost", "nova-compute"), "nohost")
    assert_clean_failure(run(config, "service", "delete", "4242"), "4242")
    assert_clean_failure(
        run(config, "service", "delete", "0d4c1b0e-0000-4000-8000-000000000000"),
        "0d4c1b0e-0000-4000-8000-000000000000",
    )


def test_no_database_configured(tmp_path):
    config = write_config(tmp_path / "nova.conf", None)
    assert_clean_failure(run(config, "db", "sync"), "[database] connection")
    assert_clean_failure(run(config, "service", "list"), "[database] connection")


def test_database_unreachable(tmp_path):
    config = write_config(
        tmp_path / "nova.conf",
        "mysql+pymysql://root@127.0.0.1:1/nova",
        max_retries=1,
        retry_interval=0.1,
    )
    assert_clean_failure(run(config, "service", "list"), "Database connection failed")
    assert_clean_failure(run(config, "db", "sync"), "Database connection failed")


def test_schema_missing_is_explained(tmp_path, fresh_database):
    config = write_config(tmp_path / "nova.conf", fresh_database("postgresql"))
    assert_clean_failure(run(config, "service", "list"), "db sync")


def test_usage_errors_exit_non_zero_without_traceback(tmp_path):
    config = write_config(tmp_path / "nova.conf", f"sqlite:///{tmp_path / 'n.sqlite'}")
    result = run(config, "service", "disable", "only-a-host")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "usage:" in result.stderr
