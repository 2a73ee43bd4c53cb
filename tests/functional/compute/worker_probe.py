"""A stand-in worker process with no database: run as ``python -m`` by the tests.

It does what nova-compute does at start-up (objects through the conductor), creates
and updates a Service row with remotable methods, and prints what it saw as JSON.
"""

from __future__ import annotations

import json
import sys


def main() -> int:
    import compute.conf  # noqa: F401
    from common import config
    from common.context import get_admin_context
    from common.objects.indirection import use_conductor
    from compute import objects

    config.parse_args(sys.argv, "nova")
    assert not config.CONF.database.connection, "the probe must run without a database"
    use_conductor()
    ctxt = get_admin_context()

    service = objects.Service(
        ctxt, host="probe-host", binary="nova-compute", topic="compute", report_count=0
    )
    service.create()
    created = {
        "id": service.id,
        "uuid": service.uuid,
        "changed": sorted(service.obj_what_changed()),
    }
    service.report_count += 5
    service.disabled = True
    service.disabled_reason = "probe"
    service.save()
    fetched = objects.Service.get_by_host_and_binary(ctxt, "probe-host", "nova-compute")
    everything = objects.ServiceList.get_all(ctxt)
    print(
        json.dumps(
            {
                "created": created,
                "after_save": {
                    "report_count": service.report_count,
                    "updated_at": service.updated_at.isoformat() if service.updated_at else None,
                    "changed": sorted(service.obj_what_changed()),
                },
                "fetched": {
                    "id": fetched.id,
                    "report_count": fetched.report_count,
                    "disabled_reason": fetched.disabled_reason,
                },
                "listed_binaries": sorted(s.binary for s in everything),
                "sqlalchemy_imported": "sqlalchemy" in sys.modules,
                "db_api_imported": "compute.db.api" in sys.modules,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
