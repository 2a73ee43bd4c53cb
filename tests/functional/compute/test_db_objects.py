"""Flavors, key pairs, compute nodes, instance actions and faults, aggregates, server
groups and quota limits through their objects, on MariaDB, PostgreSQL and SQLite."""

from __future__ import annotations

import pytest

from common.context import RequestContext, get_admin_context
from common.db import migration
from compute import exception, objects
from compute.db import api as db

KINDS = ("sqlite", "mysql", "postgresql")


@pytest.fixture(params=KINDS)
def nova_db(request, fresh_database):
    url = fresh_database(request.param)
    migration.db_sync(url, db.MIGRATIONS)
    db.configure(url, max_retries=0)
    yield url
    db.reset_facade()


def user(project="p1", name="u1") -> RequestContext:
    return RequestContext(user_id=name, project_id=project)


def test_default_flavors_are_seeded(nova_db):
    flavors = objects.FlavorList.get_all(user())
    assert [(f.flavorid, f.name, f.memory_mb, f.vcpus, f.root_gb) for f in flavors] == [
        ("1", "m1.tiny", 512, 1, 1),
        ("2", "m1.small", 2048, 1, 20),
        ("3", "m1.medium", 4096, 2, 40),
        ("4", "m1.large", 8192, 4, 80),
        ("5", "m1.xlarge", 16384, 8, 160),
    ]
    assert all(f.is_public and not f.disabled and f.swap == 0 for f in flavors)


def test_flavor_create_save_access_destroy(nova_db):
    admin = get_admin_context()
    flavor = objects.Flavor(
        admin,
        name="private.1",
        memory_mb=256,
        vcpus=1,
        root_gb=0,
        flavorid="p1",
        is_public=False,
        extra_specs={"hw:mem_page_size": "small"},
    )
    flavor.create()
    assert flavor.id and flavor.extra_specs == {"hw:mem_page_size": "small"}
    with pytest.raises(exception.FlavorExists):
        objects.Flavor(admin, name="private.1", memory_mb=1, vcpus=1, flavorid="x").create()
    with pytest.raises(exception.FlavorIdExists):
        objects.Flavor(admin, name="other", memory_mb=1, vcpus=1, flavorid="p1").create()

    # Private: invisible to other projects until they get access.
    with pytest.raises(exception.FlavorNotFound):
        objects.Flavor.get_by_flavor_id(user("p9"), "p1")
    assert "p1" not in [f.flavorid for f in objects.FlavorList.get_all(user("p9"))]
    flavor.add_access("p9")
    assert flavor.projects == ["p9"]
    with pytest.raises(exception.FlavorAccessExists):
        flavor.add_access("p9")
    assert objects.Flavor.get_by_flavor_id(user("p9"), "p1").name == "private.1"

    flavor.extra_specs["hw:cpu_policy"] = "dedicated"
    del flavor.extra_specs["hw:mem_page_size"]
    flavor.description = "pinned"
    flavor.save()
    loaded = objects.Flavor.get_by_id(admin, flavor.id)
    assert loaded.extra_specs == {"hw:cpu_policy": "dedicated"}
    assert loaded.description == "pinned"

    flavor.remove_access("p9")
    with pytest.raises(exception.FlavorAccessNotFound):
        flavor.remove_access("p9")
    flavor.destroy()
    with pytest.raises(exception.FlavorNotFound):
        objects.Flavor.get_by_flavor_id(admin, "p1")


def test_flavor_list_filters_and_pages(nova_db):
    context = user()
    big = objects.FlavorList.get_all(context, filters={"min_memory_mb": 8192})
    assert [f.name for f in big] == ["m1.large", "m1.xlarge"]
    page = objects.FlavorList.get_all(context, sort_key="memory_mb", sort_dir="desc", limit=2)
    assert [f.flavorid for f in page] == ["5", "4"]
    after = objects.FlavorList.get_all(
        context, sort_key="memory_mb", sort_dir="desc", limit=2, marker="4"
    )
    assert [f.flavorid for f in after] == ["3", "2"]
    with pytest.raises(exception.MarkerNotFound):
        objects.FlavorList.get_all(context, marker="nope")


def test_key_pairs_belong_to_their_user(nova_db):
    mine = user(name="alice")
    keypair = objects.KeyPair(
        mine, name="k1", user_id="alice", public_key="ssh-rsa AAA", fingerprint="aa:bb"
    )
    keypair.create()
    assert keypair.id and keypair.type == "ssh" and keypair.created_at
    with pytest.raises(exception.KeyPairExists):
        objects.KeyPair(mine, name="k1", user_id="alice", public_key="x").create()
    objects.KeyPair(mine, name="k0", user_id="alice", public_key="y", type="x509").create()
    assert [k.name for k in objects.KeyPairList.get_by_user(mine, "alice")] == ["k0", "k1"]
    assert [k.name for k in objects.KeyPairList.get_by_user(mine, "alice", marker="k0")] == ["k1"]
    assert objects.KeyPairList.get_count_by_user(mine, "alice") == 2
    with pytest.raises(exception.KeypairNotFound):
        objects.KeyPair.get_by_name(user(name="bob"), "alice", "k1")
    assert objects.KeyPairList.get_by_user(user(name="bob"), "alice").objects == []
    assert objects.KeyPair.get_by_name(mine, "alice", "k1").public_key == "ssh-rsa AAA"
    keypair.destroy()
    with pytest.raises(exception.KeypairNotFound):
        objects.KeyPair.get_by_name(mine, "alice", "k1")


def test_compute_node_lifecycle(nova_db):
    admin = get_admin_context()
    node = objects.ComputeNode(
        admin,
        host="compute1",
        hypervisor_hostname="compute1",
        vcpus=8,
        memory_mb=16384,
        local_gb=200,
        hypervisor_type="fake",
        hypervisor_version=1000,
        cpu_allocation_ratio=16.0,
        stats={"num_instances": "0"},
    )
    node.create()
    assert node.uuid and node.vcpus_used == 0
    node.memory_mb_used = 1024
    node.stats = {"num_instances": "1"}
    node.save()
    loaded = objects.ComputeNode.get_by_host_and_nodename(admin, "compute1", "compute1")
    assert loaded.memory_mb_used == 1024 and loaded.stats == {"num_instances": "1"}
    assert objects.ComputeNode.get_by_uuid(admin, node.uuid).id == node.id
    assert [n.host for n in objects.ComputeNodeList.get_all_by_host(admin, "compute1")] == [
        "compute1"
    ]
    assert len(objects.ComputeNodeList.get_by_hypervisor(admin, "pute")) == 1
    with pytest.raises(exception.ComputeNodeExists):
        objects.ComputeNode(
            admin,
            host="compute1",
            hypervisor_hostname="compute1",
            vcpus=1,
            memory_mb=1,
            local_gb=1,
            hypervisor_type="fake",
            hypervisor_version=1,
        ).create()
    node.destroy()
    assert objects.ComputeNodeList.get_all(admin).objects == []
    with pytest.raises(exception.ComputeHostNotFound):
        objects.ComputeNodeList.get_all_by_host(admin, "compute1")


def test_instance_actions_and_events(nova_db):
    context = user()
    instance = objects.Instance(
        context, display_name="vm", flavor=objects.Flavor.get_by_flavor_id(context, "1")
    )
    instance.create()
    action = objects.InstanceAction.action_start(context, instance.uuid, "reboot")
    assert action.request_id == context.request_id and action.user_id == "u1"
    objects.InstanceActionEvent.event_start(
        context, instance.uuid, "compute_reboot_instance", host="c1"
    )
    objects.InstanceActionEvent.event_finish_with_failure(
        context, instance.uuid, "compute_reboot_instance", exc_val="kaput", exc_tb="Traceback"
    )
    objects.InstanceAction.action_finish(context, instance.uuid)
    loaded = objects.InstanceAction.get_by_request_id(context, instance.uuid, context.request_id)
    assert loaded.message == "Error" and loaded.finish_time is not None
    events = objects.InstanceActionEventList.get_by_action(context, loaded.id)
    assert [(e.event, e.result, e.host, e.traceback) for e in events] == [
        ("compute_reboot_instance", "Error", "c1", "Traceback")
    ]
    second = RequestContext(user_id="u1", project_id="p1")
    objects.InstanceAction.action_start(second, instance.uuid, "stop")
    actions = objects.InstanceActionList.get_by_instance_uuid(context, instance.uuid)
    assert [a.action for a in actions] == ["stop", "reboot"]
    with pytest.raises(exception.InstanceActionNotFound):
        objects.InstanceActionEvent.event_start(
            RequestContext(user_id="u1", project_id="p1"), instance.uuid, "x"
        )


def test_faults_latest_per_server(nova_db):
    context = user()
    instance = objects.Instance(
        context, display_name="vm", flavor=objects.Flavor.get_by_flavor_id(context, "1")
    )
    instance.create()
    assert objects.InstanceFault.get_latest_for_instance(context, instance.uuid) is None
    for message in ("first", "second" * 100):
        objects.InstanceFault(
            context, instance_uuid=instance.uuid, code=500, message=message, details="tb"
        ).create()
    latest = objects.InstanceFault.get_latest_for_instance(context, instance.uuid)
    assert latest.message == ("second" * 100)[:255]
    assert len(objects.InstanceFaultList.get_by_instance_uuids(context, [instance.uuid])) == 2
    loaded = objects.Instance.get_by_uuid(context, instance.uuid)
    assert loaded.fault.message == latest.message  # loaded on demand


def test_aggregates(nova_db):
    admin = get_admin_context()
    aggregate = objects.Aggregate(admin, name="rack1", metadata={"availability_zone": "az1"})
    aggregate.create()
    assert aggregate.availability_zone == "az1" and aggregate.uuid
    with pytest.raises(exception.AggregateNameExists):
        objects.Aggregate(admin, name="rack1").create()
    aggregate.add_host("c1")
    aggregate.add_host("c2")
    with pytest.raises(exception.AggregateHostExists):
        aggregate.add_host("c1")
    aggregate.update_metadata({"ssd": "true", "availability_zone": None})
    loaded = objects.Aggregate.get_by_uuid(admin, aggregate.uuid)
    assert loaded.hosts == ["c1", "c2"] and loaded.metadata == {"ssd": "true"}
    assert [a.name for a in objects.AggregateList.get_by_host(admin, "c2")] == ["rack1"]
    assert [a.name for a in objects.AggregateList.get_by_metadata_key(admin, "ssd")] == ["rack1"]
    aggregate.delete_host("c1")
    with pytest.raises(exception.AggregateHostNotFound):
        aggregate.delete_host("c1")
    aggregate.name = "rack-one"
    aggregate.save()
    assert objects.Aggregate.get_by_id(admin, aggregate.id).name == "rack-one"
    aggregate.destroy()
    with pytest.raises(exception.AggregateNotFound):
        objects.Aggregate.get_by_id(admin, aggregate.id)


def test_server_groups(nova_db):
    context = user()
    flavor = objects.Flavor.get_by_flavor_id(context, "1")
    servers = []
    for host in ("c1", "c2", None):
        server = objects.Instance(context, display_name="m", host=host, flavor=flavor)
        server.create()
        servers.append(server)
    group = objects.InstanceGroup(
        context,
        name="g",
        user_id="u1",
        project_id="p1",
        policy="anti-affinity",
        rules={"max_server_per_host": 1},
    )
    group.create()
    assert group.members == [] and group.rules == {"max_server_per_host": 1}
    added = objects.InstanceGroup.add_members(context, group.uuid, [s.uuid for s in servers])
    assert len(added) == 3
    loaded = objects.InstanceGroup.get_by_uuid(context, group.uuid)
    assert sorted(loaded.hosts) == ["c1", "c2"] and len(loaded.members) == 3
    assert loaded.get_hosts(exclude=[servers[0].uuid]) == ["c2"]
    assert objects.InstanceGroup.get_by_instance_uuid(context, servers[1].uuid).uuid == group.uuid
    assert objects.InstanceGroup.get_by_hint(context, "g").uuid == group.uuid
    with pytest.raises(exception.InstanceGroupNotFound):
        objects.InstanceGroup.get_by_uuid(user("p2"), group.uuid)
    assert objects.InstanceGroupList.get_by_project_id(context, "p1")[0].policy == "anti-affinity"
    loaded.members = [servers[2].uuid]
    loaded.save()
    assert objects.InstanceGroup.get_by_uuid(context, group.uuid).members == [servers[2].uuid]
    group.destroy()
    assert objects.InstanceGroupList.get_all(get_admin_context()).objects == []


def test_quota_limits_defaults_and_checks(nova_db):
    context = user()
    admin = get_admin_context()
    defaults = objects.Quotas.get_defaults(admin)
    assert defaults["instances"] == 10 and defaults["ram"] == 51200
    objects.Quotas.update_class(admin, "default", "cores", 30)
    assert objects.Quotas.get_defaults(admin)["cores"] == 30
    objects.Quotas.create_limit(admin, "p1", "instances", 2)
    objects.Quotas.update_limit(admin, "p1", "key_pairs", 1, user_id="u1")
    shown = objects.Quotas.get_project_quotas(admin, "p1", usages=True)
    assert shown["instances"] == {"limit": 2, "in_use": 0, "reserved": 0}
    assert objects.Quotas.get_project_quotas(admin, "p1", user_id="u1")["key_pairs"] == {"limit": 1}
    objects.Quotas.check_deltas(context, {"instances": 2}, "p1", "u1")
    with pytest.raises(exception.TooManyInstances) as caught:
        objects.Quotas.check_deltas(context, {"instances": 3}, "p1", "u1")
    assert caught.value.format_message() == (
        "Quota exceeded for instances: Requested 3, but already used 0 of 2 instances"
    )
    objects.KeyPair(context, name="k", user_id="u1", public_key="x").create()
    with pytest.raises(exception.OverQuota):
        objects.Quotas.check_deltas(context, {"key_pairs": 1}, "p1", "u1")
    objects.Quotas.limit_check(context, "p1", metadata_items=128)
    with pytest.raises(exception.OverQuota):
        objects.Quotas.limit_check(context, "p1", metadata_items=129)
    objects.Quotas.destroy_all_by_project(admin, "p1")
    assert objects.Quotas.get_project_quotas(admin, "p1")["instances"] == {"limit": 10}
