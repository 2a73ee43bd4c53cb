"""The service runtime over memory://: heartbeat, dispatch, periodic tasks, graceful stop."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from common import exception, rpc
from common.context import get_admin_context
from common.objects import ObjectRegistry, fields
from common.objects.service import COMMON_SERVICE_FIELDS, ServiceBase
from common.service.manager import Manager
from common.service.periodic_task import periodic_task
from common.service.service import Service

ROWS: dict[int, dict] = {}


class _Row:
    def __init__(self, values):
        self.__dict__.update(values)


class fake_db_api:  # noqa: N801  (stands in for a DB API module)
    @staticmethod
    def service_get_by_host_and_binary(ctxt, host, binary):
        for row in ROWS.values():
            if row["host"] == host and row["binary"] == binary:
                return _Row(row)
        raise exception.HostBinaryNotFound(host=host, binary=binary)

    @staticmethod
    def service_create(ctxt, values):
        row = {name: None for name in FakeService.fields}
        row.update(
            values,
            id=len(ROWS) + 1,
            uuid=str(uuid.uuid4()),
            deleted=False,
            disabled=False,
            report_count=values.get("report_count", 0),
        )
        ROWS[row["id"]] = row
        return _Row(row)

    @staticmethod
    def service_update(ctxt, service_id, values):
        ROWS[service_id].update(values)
        return _Row(ROWS[service_id])


@ObjectRegistry.register
class FakeService(ServiceBase):
    OBJ_NAMESPACE = "tests.service"
    DB_API = __name__ + ".fake_db_api"
    fields = {**COMMON_SERVICE_FIELDS, "last_seen_up": fields.DateTimeField(nullable=True)}

    @classmethod
    def _db(cls):
        return fake_db_api


class SlowManager(Manager):
    target = rpc.Target(version="1.0")

    def __init__(self):
        super().__init__(host="h1")
        self.ticks = 0
        self.finished = threading.Event()

    def slow(self, ctxt, seconds):
        time.sleep(seconds)
        self.finished.set()
        return "done"

    @periodic_task(spacing=0.2, run_immediately=True)
    def _tick(self, ctxt):
        self.ticks += 1


@pytest.fixture
def transport():
    ROWS.clear()
    return rpc.get_transport(f"memory://service-{uuid.uuid4().hex}")


def test_heartbeat_periodic_tasks_and_graceful_stop(transport):
    manager = SlowManager()
    topic = f"t-{uuid.uuid4().hex[:8]}"
    service = Service(
        "nova-test",
        topic,
        manager,
        service_record_cls=FakeService,
        report_interval=0.2,
        transport=transport,
        periodic_enable=True,
    )
    service.start()
    try:
        time.sleep(1.0)
        row = next(iter(ROWS.values()))
        assert (row["host"], row["binary"], row["topic"]) == ("h1", "nova-test", topic)
        assert row["report_count"] >= 3, "heartbeat did not advance report_count"
        assert row["last_seen_up"] is not None
        assert manager.ticks >= 3, "periodic task did not run"

        client = rpc.RPCClient(transport, rpc.Target(topic=topic, server="h1", version="1.0"))
        reply: list = []
        caller = threading.Thread(
            target=lambda: reply.append(client.call(get_admin_context(), "slow", seconds=1.0))
        )
        caller.start()
        time.sleep(0.3)
    finally:
        service.stop(graceful_timeout=10)
    assert manager.finished.is_set(), "stop() returned before in-flight work finished"
    caller.join(5)
    assert reply == ["done"]
    count = row["report_count"]
    time.sleep(0.5)
    assert row["report_count"] == count, "heartbeat kept running after stop"


def test_restart_reuses_the_service_row(transport):
    for _ in range(2):
        service = Service(
            "nova-test",
            "again",
            SlowManager(),
            service_record_cls=FakeService,
            report_interval=0.1,
            transport=transport,
            periodic_enable=False,
        )
        service.start()
        service.stop(graceful_timeout=1)
    assert len(ROWS) == 1
