"""Instances in the nova database on MariaDB, PostgreSQL and SQLite: create/read/
destroy with metadata and flavor, the compare-and-swap of save(), Nova's filters, sort
keys and marker pagination, tenant isolation, and a 1,000-server page without N+1."""

from __future__ import annotations

import datetime as dt
import threading
import uuid as uuidlib

import pytest
import sqlalchemy as sa

from common.context import RequestContext, get_admin_context
from common.db import migration
from compute import exception, objects
from compute.db import api as db

KINDS = ("sqlite", "mysql", "postgresql")


@pytest.fixture(params=KINDS)
def kind(request):
    return request.param


@pytest.fixture
def nova_db(kind, fresh_database):
    url = fresh_database(kind)
    migration.db_sync(url, db.MIGRATIONS)
    db.configure(url, max_retries=0)
    yield url
    db.reset_facade()


def ctxt(project="p1", user="u1") -> RequestContext:
    return RequestContext(user_id=user, project_id=project)


def boot(context, name="vm", **values) -> objects.Instance:
    flavor = objects.Flavor.get_by_flavor_id(context, values.pop("flavorid", "1"))
    instance = objects.Instance(
        context,
        display_name=name,
        vm_state=values.pop("vm_state", "building"),
        task_state=values.pop("task_state", "scheduling"),
        power_state=0,
        flavor=flavor,
        **values,
    )
    instance.create()
    return instance


def test_create_and_get_with_metadata_and_flavor(nova_db):
    context = ctxt()
    created = boot(context, metadata={"role": "db"}, system_metadata={"image_os": "cirros"})
    assert created.id and created.memory_mb == 512 and created.instance_type_id == 1
    loaded = objects.Instance.get_by_uuid(context, created.uuid)
    assert loaded.metadata == {"role": "db"}
    assert loaded.system_metadata == {"image_os": "cirros"}
    assert loaded.flavor.name == "m1.tiny" and loaded.flavor.flavorid == "1"
    assert loaded.old_flavor is None and loaded.new_flavor is None
    assert loaded.created_at is not None and loaded.deleted is False
    columns_only = objects.Instance.get_by_uuid(context, created.uuid, expected_attrs=[])
    assert not columns_only.obj_attr_is_set("metadata")
    assert columns_only.metadata == {"role": "db"}  # lazy-loaded on access


def test_another_project_cannot_see_the_server(nova_db):
    created = boot(ctxt("p1"))
    with pytest.raises(exception.InstanceNotFound):
        objects.Instance.get_by_uuid(ctxt("p2"), created.uuid)
    assert objects.Instance.get_by_uuid(get_admin_context(), created.uuid).uuid == created.uuid
    assert objects.InstanceList.get_by_filters(ctxt("p2"), {"project_id": "p1"}).objects == []


def test_save_writes_metadata_changes_and_flavor(nova_db):
    context = ctxt()
    instance = boot(context, metadata={"a": "1", "b": "2"})
    instance.metadata["a"] = "changed"
    del instance.metadata["b"]
    instance.metadata["c"] = "3"
    instance.new_flavor = objects.Flavor.get_by_flavor_id(context, "2")
    instance.save()
    loaded = objects.Instance.get_by_uuid(context, instance.uuid)
    assert loaded.metadata == {"a": "changed", "c": "3"}
    assert loaded.new_flavor.name == "m1.small"
    assert loaded.updated_at is not None


def test_compare_and_swap_refuses_the_second_action(nova_db):
    context = ctxt()
    instance = boot(context, vm_state="active", task_state=None)
    first = objects.Instance.get_by_uuid(context, instance.uuid)
    second = objects.Instance.get_by_uuid(context, instance.uuid)
    first.task_state = "rebooting"
    first.save(expected_task_state=[None])
    second.task_state = "powering-off"
    with pytest.raises(exception.UnexpectedTaskStateError) as caught:
        second.save(expected_task_state=[None])
    assert "Actual: rebooting" in caught.value.format_message()
    assert caught.value.code == 409
    assert objects.Instance.get_by_uuid(context, instance.uuid).task_state == "rebooting"


def test_compare_and_swap_while_deleting_and_on_vm_state(nova_db):
    context = ctxt()
    instance = boot(context, vm_state="active", task_state=None)
    instance.task_state = "deleting"
    instance.save(expected_task_state=[None])
    late = objects.Instance.get_by_uuid(context, instance.uuid)
    late.task_state = "rebooting"
    with pytest.raises(exception.UnexpectedDeletingTaskStateError):
        late.save(expected_task_state=[None])
    late = objects.Instance.get_by_uuid(context, instance.uuid)
    late.vm_state = "stopped"
    with pytest.raises(exception.UnexpectedVMStateError):
        late.save(expected_vm_state=["paused"])


def test_concurrent_actions_exactly_one_wins(nova_db, kind):
    context = ctxt()
    instance = boot(context, vm_state="active", task_state=None)
    results: list[str] = []
    barrier = threading.Barrier(8)

    def act(task: str) -> None:
        mine = objects.Instance.get_by_uuid(context, instance.uuid, expected_attrs=[])
        mine.task_state = task
        barrier.wait()
        try:
            mine.save(expected_task_state=[None])
            results.append("won")
        except exception.UnexpectedTaskStateError:
            results.append("refused")

    threads = [threading.Thread(target=act, args=(f"task{i}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["refused"] * 7 + ["won"]


def test_destroy_soft_deletes_and_keeps_what_a_deleted_server_shows(nova_db):
    context = ctxt()
    instance = boot(context, metadata={"k": "v"}, host="c1")
    objects.InstanceFault(
        context, instance_uuid=instance.uuid, code=500, message="boom", host="c1"
    ).create()
    instance.destroy()
    assert instance.deleted is True and instance.deleted_at is not None
    with pytest.raises(exception.InstanceNotFound):
        objects.Instance.get_by_uuid(context, instance.uuid)
    gone = objects.InstanceList.get_by_filters(
        context, {"deleted": True}, expected_attrs=["metadata", "flavor", "fault"]
    )
    assert [i.uuid for i in gone] == [instance.uuid]
    assert gone[0].metadata == {"k": "v"} and gone[0].flavor.name == "m1.tiny"
    assert gone[0].fault.message == "boom"
    engine = sa.create_engine(nova_db)
    with engine.connect() as conn:
        deleted = conn.execute(
            sa.text("SELECT deleted FROM instance_metadata WHERE instance_uuid = :u"),
            {"u": instance.uuid},
        ).scalar_one()
    engine.dispose()
    assert deleted != 0


def test_destroy_refused_when_the_server_moved(nova_db):
    context = ctxt()
    instance = boot(context, host="c1")
    moved = objects.Instance.get_by_uuid(context, instance.uuid)
    moved.host = "c2"
    moved.save()
    with pytest.raises(exception.ObjectActionError):
        instance.destroy()


def test_filters(nova_db):
    context = ctxt()
    web1 = boot(context, "web-1", host="c1", node="c1", vm_state="active", metadata={"t": "a"})
    web2 = boot(context, "web-2", host="c2", node="c2", vm_state="stopped", flavorid="2")
    db1 = boot(context, "db-1", host="c1", node="c1", vm_state="error")
    boot(ctxt("p2", "u2"), "web-other", host="c1", node="c1")
    admin = get_admin_context()

    def names(filters, context=context):
        return sorted(i.display_name for i in objects.InstanceList.get_by_filters(context, filters))

    assert names({}) == ["db-1", "web-1", "web-2"]
    assert names({"name": "^web"}) == ["web-1", "web-2"]
    assert names({"host": "c1"}) == ["db-1", "web-1"]
    assert names({"host": "c1", "node": "c1"}, admin) == ["db-1", "web-1", "web-other"]
    assert names({"vm_state": ["active", "error"]}) == ["db-1", "web-1"]
    assert names({"flavor": web2.instance_type_id}) == ["web-2"]
    assert names({"uuid": [web1.uuid, db1.uuid]}) == ["db-1", "web-1"]
    assert names({"metadata": {"t": "a"}}) == ["web-1"]
    assert names({"project_id": "p2"}, admin) == ["web-other"]
    on_host = objects.InstanceList.get_by_host_and_node(admin, "c1", "c1")
    assert sorted(i.display_name for i in on_host) == ["db-1", "web-1", "web-other"]


def test_changes_since_includes_deleted(nova_db):
    context = ctxt()
    old = boot(context, "old")
    recent = boot(context, "recent")
    engine = sa.create_engine(nova_db)
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE instances SET updated_at = :t WHERE uuid = :u"),
            {"t": dt.datetime(2020, 1, 1), "u": old.uuid},
        )
    engine.dispose()
    since = dt.datetime(2024, 1, 1)
    recent.destroy()
    found = objects.InstanceList.get_by_filters(context, {"changes-since": since})
    assert [(i.display_name, i.deleted) for i in found] == [("recent", True)]
    live = objects.InstanceList.get_by_filters(context, {"deleted": False})
    assert [i.display_name for i in live] == ["old"]


def test_sorting_and_marker_pagination(nova_db):
    context = ctxt()
    for index, (name, host) in enumerate(
        [("b", "h2"), ("a", None), ("c", "h1"), ("a", "h1"), ("d", None)]
    ):
        boot(context, name, host=host, launch_index=index)
    pages, marker = [], None
    while True:
        page = objects.InstanceList.get_by_filters(
            context,
            {},
            sort_keys=["host", "display_name"],
            sort_dirs=["asc", "desc"],
            limit=2,
            marker=marker,
        )
        if not page.objects:
            break
        pages.append([(i.host, i.display_name) for i in page])
        marker = page[-1].uuid
    flat = [item for page in pages for item in page]
    assert flat == [(None, "d"), (None, "a"), ("h1", "c"), ("h1", "a"), ("h2", "b")]
    assert [len(p) for p in pages] == [2, 2, 1]
    desc = objects.InstanceList.get_by_filters(
        context, {}, sort_keys=["launch_index"], sort_dirs=["desc"]
    )
    assert [i.launch_index for i in desc] == [4, 3, 2, 1, 0]


def test_unknown_marker_and_sort_key_are_refused(nova_db):
    context = ctxt()
    with pytest.raises(exception.MarkerNotFound):
        objects.InstanceList.get_by_filters(context, {}, marker=str(uuidlib.uuid4()))
    other = boot(ctxt("p2"))
    with pytest.raises(exception.MarkerNotFound):
        objects.InstanceList.get_by_filters(context, {}, marker=other.uuid)
    with pytest.raises(exception.InvalidSortKey):
        objects.InstanceList.get_by_filters(context, {}, sort_keys=["no_such_column"])


def test_a_page_of_1000_servers_takes_a_fixed_number_of_queries(nova_db, kind):
    context = ctxt()
    flavor = objects.Flavor.get_by_flavor_id(context, "1")
    blob = '{"cur": null, "old": null, "new": null}'
    engine = sa.create_engine(nova_db)
    now = dt.datetime(2026, 1, 1)
    rows = [
        {
            "uuid": str(uuidlib.uuid4()),
            "project_id": "p1",
            "user_id": "u1",
            "display_name": f"vm-{n}",
            "vm_state": "active",
            "deleted": 0,
            "created_at": now,
            "instance_type_id": flavor.id,
            "memory_mb": 512,
            "vcpus": 1,
        }
        for n in range(1000)
    ]
    with engine.begin() as conn:
        conn.execute(sa.insert(sa.table("instances", *[sa.column(k) for k in rows[0]])), rows)
        conn.execute(
            sa.insert(
                sa.table(
                    "instance_metadata",
                    sa.column("instance_uuid"),
                    sa.column("key"),
                    sa.column("value"),
                    sa.column("deleted"),
                )
            ),
            [
                {"instance_uuid": r["uuid"], "key": "n", "value": r["display_name"], "deleted": 0}
                for r in rows
            ],
        )
        conn.execute(
            sa.insert(
                sa.table(
                    "instance_extra",
                    sa.column("instance_uuid"),
                    sa.column("flavor"),
                    sa.column("deleted"),
                )
            ),
            [
                {
                    "instance_uuid": r["uuid"],
                    "flavor": blob.replace(
                        '"cur": null',
                        '"cur": ' + __import__("json").dumps(flavor.obj_to_primitive()),
                    ),
                    "deleted": 0,
                }
                for r in rows
            ],
        )
    engine.dispose()
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    sa.event.listen(db.get_facade().engine, "before_cursor_execute", listener)
    try:
        servers = objects.InstanceList.get_by_filters(context, {"deleted": False}, limit=1000)
    finally:
        sa.event.remove(db.get_facade().engine, "before_cursor_execute", listener)
    assert len(servers) == 1000
    assert all(s.metadata == {"n": s.display_name} for s in servers)
    assert all(s.flavor.name == "m1.tiny" for s in servers)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    # instances + (metadata, system_metadata, extra) in chunks of 500
    assert len(selects) <= 1 + 3 * 2, selects
