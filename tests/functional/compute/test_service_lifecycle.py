"""nova-conductor and nova-scheduler as an operator runs them: up, SIGTERM, down."""

from __future__ import annotations

import signal

import pytest

from tests.functional.daemons import Daemon, run_cli, wait_for, write_config

DOWN_TIME = 6


def _states(config) -> dict[str, str]:
    """{binary: State} parsed from the `nova-manage service list` table."""
    result = run_cli("nova-manage", config, "service", "list")
    assert result.returncode == 0, result.stderr
    states = {}
    for line in result.stdout.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 5 and cells[0].startswith("nova-"):
            states[cells[0]] = cells[4]
    return states


@pytest.mark.parametrize("db_kind", ["mysql", "postgresql"])
def test_conductor_and_scheduler_up_then_down_after_sigterm(
    db_kind, tmp_path, fresh_database, rabbit_vhost_url
):
    config = write_config(
        tmp_path / "nova.conf",
        {
            "DEFAULT": {
                "transport_url": rabbit_vhost_url,
                "host": "ctl1",
                "report_interval": 1,
                "service_down_time": DOWN_TIME,
                "graceful_shutdown_timeout": 5,
            },
            "database": {"connection": fresh_database(db_kind)},
        },
    )
    sync = run_cli("nova-manage", config, "db", "sync")
    assert sync.returncode == 0, sync.stderr

    daemons = [Daemon(name, config, tmp_path) for name in ("nova-conductor", "nova-scheduler")]
    try:
        wait_for(
            lambda: _states(config) == {"nova-conductor": "up", "nova-scheduler": "up"},
            timeout=30,
            what="both services up",
        )
        for daemon in daemons:
            code, took = daemon.terminate(timeout=10)
            assert code == 0, daemon.log()
            assert took < 10
        wait_for(
            lambda: _states(config) == {"nova-conductor": "down", "nova-scheduler": "down"},
            timeout=DOWN_TIME + 10,
            what="both services down",
        )
    finally:
        for daemon in daemons:
            daemon.stop()


def test_sighup_rereads_the_config_and_reconfigures_logging(
    tmp_path, fresh_database, rabbit_vhost_url
):
    sections = {
        "DEFAULT": {"transport_url": rabbit_vhost_url, "host": "ctl1", "debug": "false"},
        "database": {"connection": fresh_database("sqlite")},
    }
    config = write_config(tmp_path / "nova.conf", sections)
    assert run_cli("nova-manage", config, "db", "sync").returncode == 0
    daemon = Daemon("nova-scheduler", config, tmp_path)
    try:
        wait_for(lambda: "is serving topic scheduler" in daemon.log(), 30, what="start")
        assert " DEBUG " not in daemon.log()
        sections["DEFAULT"]["debug"] = "true"
        write_config(config, sections)
        daemon.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "logging configured" in daemon.log(), 15, what="DEBUG after SIGHUP")
        assert daemon.proc.poll() is None, "SIGHUP must not stop the daemon"
    finally:
        daemon.stop()
