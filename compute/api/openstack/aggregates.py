"""``/os-aggregates``: host aggregates and the availability zones they define (admins;
Nova at microversion 2.1).

An aggregate's zone is its ``availability_zone`` metadata.  A host may be in several
aggregates but in one zone only: adding it to an aggregate of another zone, or giving
an aggregate a zone some of its hosts are not in, is refused as Nova refuses it.
"""

from __future__ import annotations

from typing import Any

import webob.exc

from common import exception as common_exc
from common.config import CONF
from common.wsgi import policy, validation
from common.wsgi.resource import Controller, Request, action
from compute import exception, objects
from compute.api.openstack import paging
from compute.api.openstack.availability_zone import AZ_KEY, COMPUTE_BINARY
from compute.api.openstack.schemas import aggregates as schema
from compute.api.openstack.views import aggregates as views

RULE = "os_compute_api:os-aggregates:%s"


def _aggregate_id(value: str) -> int:
    return paging.validate_integer(value, "id")


def _get(context: Any, aggregate_id: str) -> Any:
    return objects.Aggregate.get_by_id(context, _aggregate_id(aggregate_id))


def check_zone_change(
    context: Any,
    aggregate: Any,
    metadata: dict[str, Any],
    error: type[exception.InvalidAggregateAction],
    hosts: list[str] | None = None,
) -> None:
    """Refuse a zone name that is empty or that puts ``hosts`` (default: the
    aggregate's) in two zones at once."""
    if AZ_KEY not in metadata or metadata[AZ_KEY] is None:
        return
    zone = metadata[AZ_KEY]
    if not zone:
        raise error(
            aggregate_id=aggregate.id,
            reason=f"Aggregate {aggregate.name} does not support empty named availability zone",
        )
    members = hosts if hosts is not None else list(aggregate.hosts)
    if not members:
        return
    others = objects.AggregateList.get_by_metadata_key(context, AZ_KEY, hosts=members)
    conflicting = [
        a.availability_zone for a in others if a.id != aggregate.id and a.availability_zone != zone
    ]
    if conflicting:
        raise error(
            aggregate_id=aggregate.id,
            reason=f"One or more hosts already in availability zone(s) {conflicting}",
        )


def _check_compute_host(context: Any, host: str) -> None:
    try:
        objects.Service.get_by_host_and_binary(context, host, COMPUTE_BINARY)
    except common_exc.HostBinaryNotFound:
        raise exception.ComputeHostNotFound(host=host) from None


class AggregateController(Controller):
    def index(self, req: Request) -> dict[str, Any]:
        context = req.context
        policy.authorize(context, RULE % "index", {})
        return views.index(list(objects.AggregateList.get_all(context)))

    @validation.schema(schema.create)
    def create(self, req: Request, body: dict[str, Any]) -> dict[str, Any]:
        context = req.context
        policy.authorize(context, RULE % "create", {})
        spec = body["aggregate"]
        zone = spec.get("availability_zone")
        if zone == CONF.internal_service_availability_zone:
            raise exception.InvalidAggregateAction(
                action="create_aggregate",
                aggregate_id="'N/A'",
                reason="Aggregates with an availability zone equal to the internal zone "
                "are not allowed",
            )
        aggregate = objects.Aggregate(context=context, name=spec["name"].strip())
        if zone:
            aggregate.metadata = {AZ_KEY: zone}
        aggregate.create()  # AggregateNameExists -> 409
        # Nova's create answer has no hosts or metadata.
        return views.show(aggregate, with_members=False)

    def show(self, req: Request, id: str) -> dict[str, Any]:
        context = req.context
        policy.authorize(context, RULE % "show", {})
        return views.show(_get(context, id))

    @validation.schema(schema.update)
    def update(self, req: Request, id: str, body: dict[str, Any]) -> dict[str, Any]:
        context = req.context
        policy.authorize(context, RULE % "update", {})
        spec = body["aggregate"]
        aggregate = _get(context, id)
        if "availability_zone" in spec:
            zone = {AZ_KEY: spec["availability_zone"]}
            check_zone_change(context, aggregate, zone, exception.InvalidAggregateActionUpdate)
        if "name" in spec:
            aggregate.name = spec["name"].strip()
            aggregate.save()  # AggregateNameExists -> 409
        if "availability_zone" in spec:
            aggregate.update_metadata({AZ_KEY: spec["availability_zone"]})
        return views.show(aggregate)

    def delete(self, req: Request, id: str) -> None:
        """200 with no body, as Nova answers it."""
        context = req.context
        policy.authorize(context, RULE % "delete", {})
        aggregate = _get(context, id)
        if aggregate.hosts:
            raise exception.InvalidAggregateActionDelete(
                aggregate_id=aggregate.id, reason="Host aggregate is not empty"
            )
        aggregate.destroy()

    @action("add_host")
    @validation.schema(schema.add_host)
    def _add_host(self, req: Request, id: str, body: dict[str, Any]) -> dict[str, Any]:
        context = req.context
        policy.authorize(context, RULE % "add_host", {})
        host = body["add_host"]["host"]
        aggregate = _get(context, id)
        _check_compute_host(context, host)
        try:
            check_zone_change(
                context,
                aggregate,
                dict(aggregate.metadata),
                exception.InvalidAggregateActionAdd,
                hosts=[host],
            )
        except exception.InvalidAggregateAction as error:
            raise webob.exc.HTTPConflict(detail=error.format_message()) from None
        aggregate.add_host(host)  # AggregateHostExists -> 409
        return views.show(aggregate)

    @action("remove_host")
    @validation.schema(schema.remove_host)
    def _remove_host(self, req: Request, id: str, body: dict[str, Any]) -> dict[str, Any]:
        context = req.context
        policy.authorize(context, RULE % "remove_host", {})
        host = body["remove_host"]["host"]
        aggregate = _get(context, id)
        _check_compute_host(context, host)
        aggregate.delete_host(host)  # AggregateHostNotFound -> 404
        return views.show(aggregate)

    @action("set_metadata")
    @validation.schema(schema.set_metadata)
    def _set_metadata(self, req: Request, id: str, body: dict[str, Any]) -> dict[str, Any]:
        context = req.context
        policy.authorize(context, RULE % "set_metadata", {})
        metadata = body["set_metadata"]["metadata"]
        aggregate = _get(context, id)
        check_zone_change(context, aggregate, metadata, exception.InvalidAggregateActionUpdateMeta)
        aggregate.update_metadata(metadata)
        return views.show(aggregate)
