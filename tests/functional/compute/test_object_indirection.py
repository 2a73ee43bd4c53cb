"""A process with no database reaches it through nova-conductor, and sees the result."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.functional.daemons import Daemon, run_cli, wait_for, write_config

REPO = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("runtime", ["native", "eventlet"])
def test_remotable_methods_run_in_conductor_for_a_db_less_worker(
    runtime, tmp_path, fresh_database, rabbit_vhost_url
):
    """The eventlet variant is the one CI run of the opt-in runtime (DESIGN §5)."""
    db_url = fresh_database("mysql")
    common = {"transport_url": rabbit_vhost_url, "report_interval": 1}
    conductor_conf = write_config(
        tmp_path / "conductor.conf",
        {
            "DEFAULT": {**common, "host": "ctl1"},
            "database": {"connection": db_url},
        },
    )
    worker_conf = write_config(
        tmp_path / "worker.conf",
        {
            "DEFAULT": {**common, "host": "probe-host", "rpc_response_timeout": 20},
        },
    )
    assert run_cli("nova-manage", conductor_conf, "db", "sync").returncode == 0
    env = {"NOVELLA_EVENTLET": "1" if runtime == "eventlet" else "0"}
    conductor = Daemon("nova-conductor", conductor_conf, tmp_path, env=env)
    try:
        engine = sa.create_engine(db_url)
        wait_for(lambda: _row(engine, "nova-conductor"), timeout=30, what="conductor row")
        probe = subprocess.run(
            [
                sys.executable,
                "-m",
                "tests.functional.compute.worker_probe",
                "--config-file",
                str(worker_conf),
            ],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert probe.returncode == 0, probe.stderr + conductor.log()
        seen = json.loads(probe.stdout.strip().splitlines()[-1])

        row = _row(engine, "nova-compute")
        assert row is not None, "the conductor did not write the worker's row"
        assert seen["created"]["id"] == row.id
        assert seen["created"]["changed"] == []
        assert row.report_count == 5 and row.disabled and row.disabled_reason == "probe"
        assert seen["after_save"]["report_count"] == 5
        assert seen["after_save"]["updated_at"] is not None, "updated_at did not come back"
        assert seen["after_save"]["changed"] == []
        assert seen["fetched"] == {"id": row.id, "report_count": 5, "disabled_reason": "probe"}
        assert seen["listed_binaries"] == ["nova-compute", "nova-conductor"]
        assert seen["sqlalchemy_imported"] is False
        assert seen["db_api_imported"] is False
        engine.dispose()
        expected = "eventlet green" if runtime == "eventlet" else "native"
        assert f"nova-conductor starting on {expected} threads" in conductor.log()
    finally:
        conductor.stop()


def _row(engine, binary):
    with engine.connect() as conn:
        return conn.execute(
            sa.text(
                "SELECT * FROM services WHERE `binary` = :b AND deleted = 0"
                if engine.dialect.name == "mysql"
                else "SELECT * FROM services WHERE binary = :b AND deleted = 0"
            ),
            {"b": binary},
        ).first()
