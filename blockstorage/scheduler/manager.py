"""cinder-scheduler: places new volumes on backend pools; serves ``cinder-scheduler``.

It keeps the capabilities every cinder-volume reports (``update_service_capabilities``,
a fanout cast), and for ``create_volume`` filters and weighs the pools of the backends
that are up, records the choice in ``volume.host`` and casts ``create_volume`` to that
``cinder-volume.<host>@<backend>``.  When nothing fits the volume goes to ``error`` and
a user message (Cinder's messages API) says why.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from blockstorage import exception, objects
from blockstorage.scheduler.filter_scheduler import FilterScheduler
from blockstorage.scheduler.host_manager import HostManager
from blockstorage.volume import rpcapi as volume_rpcapi
from blockstorage.volume.states import VolumeStatus
from common import context as context_mod
from common import rpc
from common.service.manager import Manager

LOG = logging.getLogger(__name__)

VOLUME_BINARY = "cinder-volume"
# Cinder's user message of a volume no backend could take.
SCHEDULE_ACTION = ("001", "schedule allocate volume")
NO_BACKEND_DETAIL = ("002", "Could not find any available weighted backend.")
MESSAGE_TTL = datetime.timedelta(days=30)


class SchedulerManager(Manager):
    """See ``blockstorage.scheduler.rpcapi`` for the API and its versions."""

    target = rpc.Target(version="1.1")

    def __init__(self, host: str | None = None, transport: Any = None) -> None:
        super().__init__(host=host, service_name="scheduler")
        self.host_manager = HostManager()
        self.driver: FilterScheduler | None = None
        self._transport = transport
        self._volume_rpcapi: volume_rpcapi.VolumeAPI | None = None

    @property
    def volume_rpcapi(self) -> volume_rpcapi.VolumeAPI:
        if self._volume_rpcapi is None:
            self._volume_rpcapi = volume_rpcapi.VolumeAPI(self._transport)
        return self._volume_rpcapi

    def init_host(self) -> None:
        # A misspelt filter stops the daemon at start instead of failing every create.
        self.driver = FilterScheduler()
        LOG.info(
            "Filters: %s; weighers: %s",
            ", ".join(f.name() for f in self.driver.filter_handler.filters),
            ", ".join(type(w).__name__ for w in self.driver.weighers),
        )

    def post_start_hook(self) -> None:
        """Ask the backends for their pools now rather than at their next report."""
        try:
            self.volume_rpcapi.publish_service_capabilities(context_mod.get_admin_context())
        except Exception as exc:  # the reports come anyway; never fail start-up on this
            LOG.warning("Could not ask the backends to report: %s", exc)

    def reset(self) -> None:
        try:
            self.driver = FilterScheduler()
        except exception.NotFound as exc:
            LOG.error("Keeping the previous filters and weighers: %s", exc.format_message())

    # -- RPC methods -----------------------------------------------------------------------
    def update_service_capabilities(
        self,
        ctxt: Any,
        service_name: str,
        host: str,
        capabilities: dict[str, Any],
        cluster_name: str | None = None,
        timestamp: str | None = None,
    ) -> None:
        self.host_manager.update_service_capabilities(service_name, host, capabilities)

    def _pools(self, ctxt: Any) -> list[Any]:
        admin = ctxt.elevated() if hasattr(ctxt, "elevated") else ctxt
        services = list(objects.ServiceList.get_by_binary(admin, VOLUME_BINARY))
        return self.host_manager.pool_states(services)

    def get_pools(self, ctxt: Any, filters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        admin = ctxt.elevated() if hasattr(ctxt, "elevated") else ctxt
        services = list(objects.ServiceList.get_by_binary(admin, VOLUME_BINARY))
        return self.host_manager.get_pools(services, filters)

    def create_volume(
        self,
        ctxt: Any,
        volume: Any,
        snapshot_id: str | None = None,
        image_id: str | None = None,
        request_spec: Any = None,
        filter_properties: dict[str, Any] | None = None,
        backup_id: str | None = None,
    ) -> None:
        """Choose a pool and cast to its cinder-volume, or put the volume in error."""
        if self.driver is None:
            self.driver = FilterScheduler()
        props = dict(filter_properties or {})
        if request_spec is not None:
            props.setdefault("size", request_spec.size)
            props.setdefault("volume_properties", dict(request_spec.volume_properties))
            props.setdefault("availability_zones", list(request_spec.availability_zones))
            props.setdefault("resource_backend", request_spec.resource_backend)
            vtype = request_spec.volume_type
            if vtype is not None:
                props.setdefault(
                    "volume_type",
                    {"id": vtype.id, "name": vtype.name, "extra_specs": dict(vtype.extra_specs)},
                )
        try:
            pool = self.driver.select_pool(self._pools(ctxt), props)
        except exception.NoValidBackend as exc:
            LOG.error("Failed to schedule volume %s: %s", volume.id, exc.format_message())
            self._set_error(ctxt, volume, exc)
            return
        self.host_manager.note_consumed(pool, int(props.get("size") or volume.size or 0))
        volume.host = pool.host
        volume.scheduled_at = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
        volume.save()
        LOG.info("Volume %s scheduled to %s", volume.id, pool.host)
        retry = dict(props.get("retry") or {})
        retry.setdefault("num_attempts", 1)
        retry.setdefault("backends", []).append(pool.host)
        props["retry"] = retry
        self.volume_rpcapi.create_volume(ctxt, volume, request_spec, props, allow_reschedule=True)

    @staticmethod
    def _set_error(ctxt: Any, volume: Any, exc: Exception) -> None:
        volume.conditional_update(
            {"status": VolumeStatus.ERROR.value}, {"status": VolumeStatus.CREATING.value}
        )
        from blockstorage.db import api as db

        now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
        db.message_create(
            ctxt,
            {
                "project_id": volume.project_id,
                "request_id": getattr(ctxt, "request_id", None),
                "resource_type": "VOLUME",
                "resource_uuid": volume.id,
                "event_id": f"VOLUME_VOLUME_{SCHEDULE_ACTION[0]}_{NO_BACKEND_DETAIL[0]}",
                "message_level": "ERROR",
                "action_id": SCHEDULE_ACTION[0],
                "detail_id": NO_BACKEND_DETAIL[0],
                "expires_at": now + MESSAGE_TTL,
            },
        )
