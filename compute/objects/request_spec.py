"""Nova's ``RequestSpec``: everything the scheduler needs to place one boot request.

It is not stored: nova-api builds it, nova-conductor passes it to nova-scheduler's
``select_destinations`` and fills ``retry`` when it reschedules.

Version history:
1.0 - initial
"""

from __future__ import annotations

from typing import Any

from common.objects import ObjectRegistry, VersionedObject, fields
from compute.objects.flavor import Flavor  # noqa: F401  (registers the nested type)
from compute.objects.instance_group import InstanceGroup  # noqa: F401


class SchedulerHintsField(fields.Field):
    """``{"hint": ["value", ...]}``: a single value is wrapped in a list, as Nova does."""

    def _coerce(self, obj: Any, attr: str, value: Any) -> Any:
        if not isinstance(value, dict):
            raise ValueError(f"Field {attr}: a dict is required")
        return {
            str(k): [str(x) for x in (v if isinstance(v, list | tuple) else [v])]
            for k, v in value.items()
        }


@ObjectRegistry.register
class RequestSpec(VersionedObject):
    OBJ_NAMESPACE = "compute"
    VERSION = "1.0"
    fields = {
        "instance_uuid": fields.UUIDField(nullable=True),
        "project_id": fields.StringField(nullable=True),
        "user_id": fields.StringField(nullable=True),
        "flavor": fields.ObjectField("Flavor"),
        "image": fields.DictField(default={}),
        "availability_zone": fields.StringField(nullable=True),
        "num_instances": fields.IntegerField(default=1),
        "scheduler_hints": SchedulerHintsField(default={}),
        "instance_group": fields.ObjectField("InstanceGroup", nullable=True),
        "ignore_hosts": fields.ListOfStringsField(nullable=True),
        "force_hosts": fields.ListOfStringsField(nullable=True),
        "force_nodes": fields.ListOfStringsField(nullable=True),
        "retry": fields.DictField(nullable=True),
    }

    @classmethod
    def from_components(
        cls,
        context: Any,
        instance_uuid: str,
        image: dict[str, Any],
        flavor: Flavor,
        num_instances: int = 1,
        availability_zone: str | None = None,
        scheduler_hints: dict[str, Any] | None = None,
        instance_group: InstanceGroup | None = None,
        project_id: str | None = None,
        user_id: str | None = None,
    ) -> RequestSpec:
        """A spec for a boot request; the project and user default to the context's."""
        spec = cls(
            context,
            instance_uuid=instance_uuid,
            project_id=project_id or context.project_id,
            user_id=user_id or context.user_id,
            flavor=flavor,
            image={"properties": {}, **(image or {})},
            num_instances=num_instances,
            availability_zone=availability_zone,
            scheduler_hints=scheduler_hints or {},
            instance_group=instance_group,
            ignore_hosts=None,
            force_hosts=None,
            force_nodes=None,
            retry=None,
        )
        return spec

    def get_scheduler_hint(self, name: str, default: Any = None) -> Any:
        """A hint's value: the single item of a one-item list, else the list."""
        values = self.scheduler_hints.get(name) if self.obj_attr_is_set("scheduler_hints") else None
        if not values:
            return default
        return values[0] if len(values) == 1 else values

    @property
    def image_properties(self) -> dict[str, Any]:
        return dict((self.image or {}).get("properties") or {})
