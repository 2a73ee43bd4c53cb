"""The resize flow in nova-conductor: find a destination for the new flavor."""

from __future__ import annotations

import logging
from typing import Any

from common.config import CONF
from compute import exception
from compute.instance_events import add_instance_fault
from compute.states import TaskState

LOG = logging.getLogger(__name__)


def resize_instance(
    manager: Any, ctxt: Any, instance: Any, flavor: Any, request_spec: Any, image: dict
) -> None:
    request_spec.flavor = flavor
    request_spec.num_instances = 1
    request_spec.instance_uuid = instance.uuid
    if not CONF.allow_resize_to_same_host:
        ignore = (
            list(request_spec.ignore_hosts or [])
            if request_spec.obj_attr_is_set("ignore_hosts")
            else []
        )
        request_spec.ignore_hosts = [*ignore, instance.host]
    try:
        (dest,) = manager.scheduler_client.select_destinations(ctxt, request_spec, [instance.uuid])
    except exception.NoValidHost as exc:
        # Nova leaves the server as it was (ACTIVE or SHUTOFF) with a fault.
        add_instance_fault(ctxt, instance, exc, with_traceback=False)
        instance.task_state = None
        try:
            instance.save(expected_task_state=TaskState.RESIZE_PREP)
        except exception.UnexpectedTaskStateError:
            pass
        return
    manager.compute_rpcapi.prep_resize(
        ctxt, instance, dest["host"], dest["nodename"], flavor, image, request_spec
    )
