"""The services tables of both databases on MariaDB, PostgreSQL and SQLite: schema ==
models, soft delete, duplicates, and the DB API's queries."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from blockstorage.db import api as cinder_db
from blockstorage.db import models as cinder_models
from common import exception
from common.context import get_admin_context
from common.db import migration
from compute.db import api as nova_db
from compute.db import models as nova_models

KINDS = ("sqlite", "mysql", "postgresql")
SERVICES = {
    "nova": (nova_db, nova_models, "nova-compute", "compute"),
    "cinder": (cinder_db, cinder_models, "cinder-volume", "cinder-volume"),
}


@pytest.fixture(params=KINDS)
def kind(request):
    return request.param


@pytest.fixture(params=sorted(SERVICES))
def service(request, kind, fresh_database):
    api, models, binary, topic = SERVICES[request.param]
    url = fresh_database(kind)
    migration.db_sync(url, api.MIGRATIONS)
    api.configure(url, max_retries=0)
    yield api, models, binary, topic
    api.reset_facade()


def _diff(url: str, metadata: sa.MetaData) -> list:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, metadata)
    engine.dispose()
    return diff


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_migrated_schema_matches_the_models(name, kind, fresh_database):
    api, models, _, _ = SERVICES[name]
    url = fresh_database(kind)
    migration.db_sync(url, api.MIGRATIONS)
    assert _diff(url, models.metadata) == []
    # The comparison can see a difference: a model column the schema lacks.
    extra = sa.MetaData()
    for table in models.metadata.tables.values():
        table.to_metadata(extra)
    extra.tables["services"].append_column(sa.Column("not_migrated", sa.Integer))
    assert any(d[0] == "add_column" for d in _diff(url, extra))


def test_create_and_get_every_way(service):
    api, _, binary, topic = service
    ctxt = get_admin_context()
    svc = api.service_create(ctxt, {"host": "h1", "binary": binary, "topic": topic})
    assert len(svc.uuid) == 36 and svc.id and svc.deleted == 0 and not svc.disabled
    assert api.service_get(ctxt, svc.id).uuid == svc.uuid
    assert api.service_get_by_uuid(ctxt, svc.uuid).id == svc.id
    assert api.service_get_by_host_and_binary(ctxt, "h1", binary).id == svc.id
    assert api.service_get_by_host_and_topic(ctxt, "h1", topic).id == svc.id
    assert [s.id for s in api.service_get_all_by_binary(ctxt, binary)] == [svc.id]
    assert [s.id for s in api.service_get_all_by_topic(ctxt, topic)] == [svc.id]
    with pytest.raises(exception.ServiceNotFound):
        api.service_get(ctxt, svc.id + 1000)
    with pytest.raises(exception.ServiceNotFound):
        api.service_get_by_uuid(ctxt, "00000000-0000-0000-0000-000000000000")
    with pytest.raises(exception.HostBinaryNotFound):
        api.service_get_by_host_and_binary(ctxt, "h2", binary)


def test_disabled_filters(service):
    api, _, binary, topic = service
    ctxt = get_admin_context()
    on = api.service_create(ctxt, {"host": "on", "binary": binary, "topic": topic})
    off = api.service_create(ctxt, {"host": "off", "binary": binary, "topic": topic})
    updated = api.service_update(ctxt, off.id, {"disabled": True, "disabled_reason": "why"})
    assert updated.disabled and updated.disabled_reason == "why"
    assert [s.id for s in api.service_get_all(ctxt, disabled=True)] == [off.id]
    assert [s.id for s in api.service_get_all(ctxt, disabled=False)] == [on.id]
    assert len(api.service_get_all(ctxt)) == 2
    ids = [s.id for s in api.service_get_all_by_binary(ctxt, binary, include_disabled=False)]
    assert ids == [on.id]
    assert [s.id for s in api.service_get_all_by_topic(ctxt, topic)] == [on.id]


def test_soft_delete_hides_the_row_but_keeps_it(service):
    api, models, binary, topic = service
    ctxt = get_admin_context()
    svc = api.service_create(ctxt, {"host": "h1", "binary": binary, "topic": topic})
    api.service_destroy(ctxt, svc.id)
    with pytest.raises(exception.ServiceNotFound):
        api.service_get(ctxt, svc.id)
    with pytest.raises(exception.HostBinaryNotFound):
        api.service_get_by_host_and_binary(ctxt, "h1", binary)
    assert api.service_get_all(ctxt) == []
    with pytest.raises(exception.ServiceNotFound):
        api.service_destroy(ctxt, svc.id)
    deleted = api.service_get(get_admin_context(read_deleted="yes"), svc.id)
    assert deleted.deleted == svc.id and deleted.deleted_at is not None
    only = api.service_get_all(get_admin_context(read_deleted="only"))
    assert [s.id for s in only] == [svc.id]
    # The unique constraint includes `deleted`: the same service can register again.
    again = api.service_create(ctxt, {"host": "h1", "binary": binary, "topic": topic})
    assert again.id != svc.id
    with api.get_facade().reader() as session:
        count = session.scalar(sa.select(sa.func.count()).select_from(models.Service))
    assert count == 2


def test_duplicate_service_is_refused(service):
    api, _, binary, topic = service
    ctxt = get_admin_context()
    api.service_create(ctxt, {"host": "h1", "binary": binary, "topic": topic})
    with pytest.raises(exception.ServiceBinaryExists) as info:
        api.service_create(ctxt, {"host": "h1", "binary": binary, "topic": topic + "-x"})
    assert "h1" in info.value.format_message() and binary in info.value.format_message()
    # The failed insert did not poison anything: other hosts still register.
    api.service_create(ctxt, {"host": "h2", "binary": binary, "topic": topic})
    assert len(api.service_get_all(ctxt)) == 2


def test_nova_duplicate_host_and_topic_is_refused(kind, fresh_database):
    url = fresh_database(kind)
    migration.db_sync(url, nova_db.MIGRATIONS)
    nova_db.configure(url, max_retries=0)
    try:
        ctxt = get_admin_context()
        nova_db.service_create(ctxt, {"host": "h", "binary": "nova-a", "topic": "t"})
        with pytest.raises(exception.ServiceBinaryExists):
            nova_db.service_create(ctxt, {"host": "h", "binary": "nova-b", "topic": "t"})
    finally:
        nova_db.reset_facade()


def test_nova_heartbeat_sets_last_seen_up(kind, fresh_database):
    url = fresh_database(kind)
    migration.db_sync(url, nova_db.MIGRATIONS)
    nova_db.configure(url, max_retries=0)
    try:
        ctxt = get_admin_context()
        svc = nova_db.service_create(ctxt, {"host": "h", "binary": "nova-compute"})
        assert svc.last_seen_up is None
        beat = nova_db.service_update(ctxt, svc.id, {"report_count": 1})
        assert beat.report_count == 1 and beat.last_seen_up is not None
        assert nova_db.service_get(ctxt, svc.id).last_seen_up is not None
    finally:
        nova_db.reset_facade()


def test_db_not_configured_is_reported(monkeypatch):
    from common.config import CONF

    for api in (nova_db, cinder_db):
        api.reset_facade()
        CONF.set_override("connection", None, group="database")
        try:
            with pytest.raises(exception.DBNotConfigured):
                api.service_get_all(get_admin_context())
        finally:
            CONF.clear_override("connection", group="database")
