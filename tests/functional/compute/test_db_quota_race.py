"""100 concurrent boots against an instances quota of 10 create exactly 10: the count
and the inserts run in one transaction holding the project's lock row."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from common.context import RequestContext
from common.db import migration
from compute import exception, objects, quota
from compute.db import api as db


@pytest.mark.parametrize("kind", ("mysql", "postgresql", "sqlite"))
def test_100_concurrent_boots_create_exactly_10(kind, fresh_database):
    url = fresh_database(kind)
    migration.db_sync(url, db.MIGRATIONS)
    db.configure(url, max_pool_size=20, max_overflow=100)
    try:
        context = RequestContext(user_id="u1", project_id="race")
        flavor = objects.Flavor.get_by_flavor_id(context, "1")
        barrier = threading.Barrier(100)
        outcomes: list[str] = []
        lock = threading.Lock()

        def boot(index: int) -> None:
            server = objects.Instance(
                context, display_name=f"s{index}", flavor=flavor, vm_state="building"
            )
            barrier.wait()
            try:
                quota.reserve_and_create(context, [server], "race", "u1")
                result = "created"
            except exception.TooManyInstances as error:
                assert error.code == 403
                assert (
                    "Quota exceeded for instances: Requested 1, but already used 10 of 10"
                    in error.format_message()
                )
                result = "refused"
            with lock:
                outcomes.append(result)

        threads = [threading.Thread(target=boot, args=(i,)) for i in range(100)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        assert outcomes.count("created") == 10, outcomes
        assert outcomes.count("refused") == 90
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            count = conn.execute(
                sa.text("SELECT count(*) FROM instances WHERE project_id = 'race'")
            ).scalar_one()
            in_use = conn.execute(
                sa.text("SELECT in_use FROM quota_usages WHERE project_id = 'race'")
            ).scalar_one()
        engine.dispose()
        assert count == 10 and in_use == 10
    finally:
        db.reset_facade()


def test_multi_create_takes_what_fits_down_to_min_count(fresh_database):
    url = fresh_database("sqlite")
    migration.db_sync(url, db.MIGRATIONS)
    db.configure(url)
    try:
        context = RequestContext(user_id="u1", project_id="p")
        flavor = objects.Flavor.get_by_flavor_id(context, "2")  # 1 vCPU, 2048 MB
        objects.Quotas.create_limit(context.elevated(), "p", "ram", 5 * 2048)

        def servers(n):
            return [
                objects.Instance(context, display_name=f"s{i}", flavor=flavor) for i in range(n)
            ]

        created = quota.reserve_and_create(context, servers(8), min_count=3)
        assert len(created) == 5 and all(s.id for s in created)
        with pytest.raises(exception.TooManyInstances) as caught:
            quota.reserve_and_create(context, servers(1))
        assert "Quota exceeded for ram" in caught.value.format_message()
    finally:
        db.reset_facade()
