"""The compute service's Python API: what the REST layer (and the EC2 API) call.

Nova calls this ``compute/api.py``.  Every user action goes through the same steps here,
in the same order, so a reader checks one place to know why a request was refused:

1. the server is found in the caller's project (another project's server does not exist);
2. a lock refuses changes by anyone but an admin (``InstanceIsLocked``, 409);
3. the states table (``compute.states.ACTIONS``) allows the action from the server's
   vm_state / task_state (``InstanceInvalidState``, 409);
4. the action is recorded (``os-instance-actions``);
5. the new task_state is saved with a compare-and-swap on the old one, so of two
   concurrent actions one wins and the other gets ``UnexpectedTaskStateError`` (409);
6. the work is cast to nova-compute (``compute.worker.rpcapi``) or to nova-conductor
   (``ComputeTaskAPI``) under the same method name the manager implements.

Quotas are counted, not reserved: new servers are created by ``compute.quota.
reserve_and_create`` under a per-project lock, so concurrent boots cannot overshoot.
"""

from __future__ import annotations

import base64
import datetime
import logging
import re
import secrets
import string
import uuid as uuidlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from common.config import CONF
from common.context import RequestContext
from compute import conf as _conf  # noqa: F401  (registers the options read here)
from compute import exception, quota
from compute.states import Action, PowerState, TaskState, VmState, check_instance_action

LOG = logging.getLogger(__name__)

# Instance actions Nova records (``nova.compute.instance_actions``).
CREATE, DELETE, REBOOT, STOP, START = "create", "delete", "reboot", "stop", "start"
PAUSE, UNPAUSE, SUSPEND, RESUME = "pause", "unpause", "suspend", "resume"
LOCK, UNLOCK, REBUILD, RESIZE = "lock", "unlock", "rebuild", "resize"
CONFIRM_RESIZE, REVERT_RESIZE, CREATE_IMAGE = "confirmResize", "revertResize", "createImage"

# vm_states in which a server's metadata may change (Nova's update_instance_metadata).
METADATA_VM_STATES = (VmState.ACTIVE, VmState.PAUSED, VmState.SUSPENDED, VmState.STOPPED)

# What the view of a server needs from the database beyond the instances row.
VIEW_ATTRS = ["metadata", "system_metadata", "flavor", "fault"]
LIST_ATTRS = ["metadata", "flavor", "fault"]

# The system_metadata keys in which the compute manager (compute.worker.resize) keeps a
# resize waiting for the user's confirm or revert; they are the migration dict it takes.
MIGRATION_KEYS = ("resize_source_host", "resize_source_node", "resize_dest_host",
                  "resize_dest_node")  # fmt: skip

_PASSWORD_CHARS = string.ascii_letters + string.digits
_HOSTNAME_BAD = re.compile(r"[^\w.-]+", re.ASCII)


def _objects() -> Any:
    from compute import objects

    return objects


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def generate_password(length: int | None = None) -> str:
    """A random admin password of ``[DEFAULT] password_length`` letters and digits."""
    size = CONF.password_length if length is None else length
    return "".join(secrets.choice(_PASSWORD_CHARS) for _ in range(size))


def generate_reservation_id() -> str:
    """``r-`` and 8 random characters, the id shared by the servers of one request."""
    alphabet = string.digits + string.ascii_lowercase
    return "r-" + "".join(secrets.choice(alphabet) for _ in range(8))


def sanitize_hostname(name: str, default: str = "server") -> str:
    """A DNS label from a display name: Nova's rules (lowercase, [a-z0-9.-], 63 chars)."""
    hostname = name.encode("ascii", "ignore").decode().replace(" ", "-").replace("_", "-")
    hostname = _HOSTNAME_BAD.sub("", hostname).lower().strip(".-")[:63].rstrip(".-")
    return hostname or default


def id_from_href(href: str) -> str:
    """The id at the end of a flavorRef / imageRef, which may be a full URL."""
    return str(href).rstrip("/").rsplit("/", 1)[-1]


class API:
    """The compute API: one method per user action, each ending in one RPC cast."""

    def __init__(self, transport: Any = None) -> None:
        self._transport = transport
        self._compute_rpcapi: Any = None
        self._compute_task_api: Any = None

    # -- collaborators (built on first use: no broker connection at import) -------------
    @property
    def compute_rpcapi(self) -> Any:
        if self._compute_rpcapi is None:
            from compute.worker import rpcapi

            self._compute_rpcapi = rpcapi.ComputeAPI(self._transport)
        return self._compute_rpcapi

    @property
    def compute_task_api(self) -> Any:
        if self._compute_task_api is None:
            from compute.conductor import rpcapi

            self._compute_task_api = rpcapi.ComputeTaskAPI(self._transport)
        return self._compute_task_api

    @property
    def image_api(self) -> Any:
        from compute.image import api as image_api

        return image_api.get_image_service()

    # -- reading -------------------------------------------------------------------------
    def get(
        self, ctxt: RequestContext, instance_uuid: str, expected_attrs: Iterable[str] | None = None
    ) -> Any:
        """The server, or ``InstanceNotFound`` when it is not the caller's to see."""
        if not _is_uuid_like(instance_uuid):
            raise exception.InstanceNotFound(instance_id=instance_uuid)
        attrs = list(VIEW_ATTRS if expected_attrs is None else expected_attrs)
        return _objects().Instance.get_by_uuid(ctxt, instance_uuid, expected_attrs=attrs)

    def get_all(
        self,
        ctxt: RequestContext,
        search_opts: Mapping[str, Any] | None = None,
        limit: int | None = None,
        marker: str | None = None,
        sort_keys: Sequence[str] | None = None,
        sort_dirs: Sequence[str] | None = None,
        expected_attrs: Iterable[str] | None = None,
    ) -> Any:
        """Servers matching Nova's filters (already translated by the REST layer).

        A non-admin only ever sees its own project, whatever the filters say (the DB
        API enforces it too).
        """
        filters = dict(search_opts or {})
        if not ctxt.is_admin:
            filters["project_id"] = ctxt.project_id
        attrs = list(LIST_ATTRS if expected_attrs is None else expected_attrs)
        return _objects().InstanceList.get_by_filters(
            ctxt,
            filters,
            sort_keys=list(sort_keys) if sort_keys else None,
            sort_dirs=list(sort_dirs) if sort_dirs else None,
            limit=limit,
            marker=marker,
            expected_attrs=attrs,
        )

    # -- create --------------------------------------------------------------------------
    def create(
        self,
        ctxt: RequestContext,
        flavor: Any,
        image_href: str,
        min_count: int | None = None,
        max_count: int | None = None,
        name: str | None = None,
        key_name: str | None = None,
        metadata: Mapping[str, str] | None = None,
        user_data: str | None = None,
        availability_zone: str | None = None,
        scheduler_hints: Mapping[str, Any] | None = None,
        admin_password: str | None = None,
        access_ip_v4: str | None = None,
        access_ip_v6: str | None = None,
        config_drive: bool = False,
        forced_host: str | None = None,
        forced_node: str | None = None,
    ) -> tuple[list[Any], str]:
        """Create ``min_count``..``max_count`` servers and hand them to the conductor.

        Returns ``(instances, reservation_id)``.  Raises ``FlavorNotFound`` (disabled
        flavor), ``ImageNotFound`` / ``ImageNotActive`` / ``FlavorMemoryTooSmall`` /
        ``FlavorDiskSmallerThanImage`` / ``FlavorDiskSmallerThanMinDisk``,
        ``KeypairNotFound``, ``InvalidRequest`` (unknown zone), ``MetadataLimitExceeded``
        and ``TooManyInstances`` (the whole request, nothing created).
        """
        min_count = min_count or 1
        max_count = max_count or min_count
        if min_count > max_count:
            raise exception.InvalidInput(reason="min_count must be <= max_count")
        if flavor.disabled:
            raise exception.FlavorNotFound(flavor_id=flavor.flavorid)
        image = self._image_for_boot(ctxt, image_href, flavor)
        key_pair = None
        if key_name is not None:
            key_pair = _objects().KeyPair.get_by_name(ctxt, ctxt.user_id, key_name)
        metadata = dict(metadata or {})
        self._check_metadata_quota(ctxt, metadata)
        if user_data is not None:
            _check_base64(user_data)
        availability_zone = availability_zone or CONF.default_schedule_zone
        if availability_zone:
            self._check_availability_zone(ctxt, availability_zone)
        group = self._instance_group(ctxt, scheduler_hints or {})
        if group is not None:
            self._check_group_members_quota(ctxt, group, max_count)

        reservation_id = generate_reservation_id()
        props = image.get("properties") or {}
        base = {
            "user_id": ctxt.user_id,
            "project_id": ctxt.project_id,
            "image_ref": image["id"],
            **{k: props.get(k) for k in ("kernel_id", "ramdisk_id", "os_type", "architecture")},
            "power_state": PowerState.NOSTATE,
            "vm_state": VmState.BUILDING,
            "task_state": TaskState.SCHEDULING,
            # memory_mb, vcpus, root_gb, ephemeral_gb, instance_type_id: from the flavor
            "flavor": flavor,
            "old_flavor": None,
            "new_flavor": None,
            "key_name": key_name,
            "key_data": key_pair.public_key if key_pair is not None else None,
            "user_data": user_data,
            "reservation_id": reservation_id,
            "availability_zone": availability_zone,
            "locked": False,
            "locked_by": None,
            "vm_mode": props.get("vm_mode"),
            "config_drive": "True" if config_drive else "",
            "access_ip_v4": access_ip_v4,
            "access_ip_v6": access_ip_v6,
            "progress": 0,
            "system_metadata": image_system_metadata(image),
        }
        instances = []
        for index in range(max_count):
            display_name = name or ""
            instance_uuid = str(uuidlib.uuid4())
            if max_count > 1:
                display_name = CONF.multi_instance_display_name_template % {
                    "name": name,
                    "count": index + 1,
                    "uuid": instance_uuid,
                }
            instance = _objects().Instance(
                context=ctxt,
                uuid=instance_uuid,
                display_name=display_name,
                display_description=display_name,
                hostname=sanitize_hostname(display_name),
                launch_index=index,
                metadata=dict(metadata),
                **{k: (dict(v) if isinstance(v, dict) else v) for k, v in base.items()},
            )
            instances.append(instance)
        created = list(
            quota.reserve_and_create(
                ctxt,
                instances,
                project_id=ctxt.project_id,
                user_id=ctxt.user_id,
                min_count=min_count,
            )
        )
        for instance in created:
            self._record_action(ctxt, instance, CREATE)
        if group is not None:
            _objects().InstanceGroup.add_members(ctxt, group.uuid, [i.uuid for i in created])
        request_spec = _objects().RequestSpec(
            instance_uuid=created[0].uuid,
            project_id=ctxt.project_id,
            user_id=ctxt.user_id,
            flavor=flavor,
            image={"id": image["id"], "properties": dict(props)},
            availability_zone=availability_zone,
            num_instances=len(created),
            scheduler_hints=_scheduler_hints(scheduler_hints or {}),
            instance_group=group,
            ignore_hosts=[],
            force_hosts=[forced_host] if forced_host else [],
            force_nodes=[forced_node] if forced_node else [],
            retry=None,
        )
        LOG.info(
            "creating %d server(s) %s for project %s (request %s)",
            len(created),
            [i.uuid for i in created],
            ctxt.project_id,
            ctxt.request_id,
        )
        self.compute_task_api.build_instances(
            ctxt,
            created,
            image,
            request_spec,
            admin_password=admin_password,
            injected_files=[],
        )
        return created, reservation_id

    def _image_for_boot(self, ctxt: RequestContext, image_href: str, flavor: Any) -> dict:
        image_id = id_from_href(image_href)
        image = self.image_api.show(ctxt, image_id)
        check_image_fits(image, flavor)
        return image

    @staticmethod
    def _check_availability_zone(ctxt: RequestContext, zone: str) -> None:
        if zone not in available_zones(ctxt):
            raise exception.InvalidRequest("The requested availability zone is not available")

    @staticmethod
    def _instance_group(ctxt: RequestContext, hints: Mapping[str, Any]) -> Any:
        group_hint = hints.get("group")
        if not group_hint:
            return None
        if isinstance(group_hint, list):
            group_hint = group_hint[0]
        InstanceGroup = _objects().InstanceGroup  # noqa: N806
        try:
            return InstanceGroup.get_by_hint(ctxt, group_hint)
        except exception.InstanceGroupNotFound:
            raise exception.InvalidRequest("Invalid server group") from None

    @staticmethod
    def _check_group_members_quota(ctxt: RequestContext, group: Any, count: int) -> None:
        try:
            _objects().Quotas.check_deltas(
                ctxt,
                {"server_group_members": count},
                ctxt.project_id,
                ctxt.user_id,
                group_uuid=group.uuid,
            )
        except exception.OverQuota:
            raise exception.OverQuota("Quota exceeded, too many servers in group") from None

    @staticmethod
    def _check_metadata_quota(ctxt: RequestContext, metadata: Mapping[str, str]) -> None:
        """``metadata_items`` is a limit, not a count: Nova's ``MetadataLimitExceeded``."""
        try:
            _objects().Quotas.limit_check(
                ctxt, ctxt.project_id, ctxt.user_id, metadata_items=len(metadata)
            )
        except exception.OverQuota as error:
            allowed = (error.kwargs.get("quotas") or {}).get("metadata_items", 0)
            raise exception.MetadataLimitExceeded(allowed=allowed) from None

    # -- small helpers every action shares -----------------------------------------------
    @staticmethod
    def _check_lock(ctxt: RequestContext, instance: Any) -> None:
        if instance.locked and not ctxt.is_admin:
            raise exception.InstanceIsLocked(instance_uuid=instance.uuid)

    @staticmethod
    def _record_action(ctxt: RequestContext, instance: Any, action: str) -> None:
        _objects().InstanceAction.action_start(ctxt, instance.uuid, action)

    def _start_task(
        self,
        ctxt: RequestContext,
        instance: Any,
        action: Action,
        record: str,
        check_lock: bool = True,
        **values: Any,
    ) -> None:
        """Steps 2-5 of the module doc: lock, states table, action record, CAS save."""
        if check_lock:
            self._check_lock(ctxt, instance)
        rule = check_instance_action(action, instance)
        self._record_action(ctxt, instance, record)
        if rule.task_state is not None:
            instance.task_state = rule.task_state
        for name, value in values.items():
            setattr(instance, name, value)
        instance.save(expected_task_state=rule.expected_task_state)

    # -- update and delete ---------------------------------------------------------------
    def update_instance(
        self, ctxt: RequestContext, instance: Any, updates: Mapping[str, Any]
    ) -> Any:
        """Rename or set access IPs (PUT /servers/{id}); allowed in any state."""
        for name, value in updates.items():
            setattr(instance, name, value)
        instance.save()
        return instance

    def delete(self, ctxt: RequestContext, instance: Any) -> None:
        self._delete(ctxt, instance, Action.DELETE)

    def force_delete(self, ctxt: RequestContext, instance: Any) -> None:
        self._delete(ctxt, instance, Action.FORCE_DELETE)

    def _delete(self, ctxt: RequestContext, instance: Any, action: Action) -> None:
        """Delete in any state.  A server no host owns yet (still being scheduled), or
        whose host is down, is deleted here; otherwise its host is asked to."""
        self._check_lock(ctxt, instance)
        check_instance_action(action, instance)
        self._record_action(ctxt, instance, DELETE)
        for _attempt in range(3):
            if not instance.host or not self._host_is_up(ctxt, instance.host):
                try:
                    self._local_delete(ctxt, instance)
                    return
                except (exception.ObjectActionError, exception.UnexpectedTaskStateError):
                    # A host picked the server up meanwhile: ask that host instead.
                    instance.refresh()
                    continue
            instance.task_state = TaskState.DELETING
            instance.progress = 0
            instance.save()
            LOG.info("deleting server %s on %s", instance.uuid, instance.host)
            self.compute_rpcapi.terminate_instance(ctxt, instance)
            return
        raise exception.InstanceInvalidState(
            attr="host", instance_uuid=instance.uuid, state=instance.host, method="delete"
        )

    @staticmethod
    def _host_is_up(ctxt: RequestContext, host: str) -> bool:
        try:
            service = _objects().Service.get_by_host_and_binary(
                ctxt.elevated(), host, "nova-compute"
            )
        except exception.NotFound:
            return False
        return bool(service.is_up())

    @staticmethod
    def _local_delete(ctxt: RequestContext, instance: Any) -> None:
        """Claim the server with a compare-and-swap to DELETING (a compute host that
        starts building it now gives up), then mark it DELETED and soft-delete it."""
        LOG.info("deleting server %s locally (host %s)", instance.uuid, instance.host)
        previous = instance.task_state
        instance.task_state = TaskState.DELETING
        instance.save(expected_task_state=[previous])
        instance.vm_state = VmState.DELETED
        instance.task_state = None
        instance.power_state = PowerState.NOSTATE
        instance.terminated_at = utcnow()
        instance.save(expected_task_state=[TaskState.DELETING])
        instance.destroy()

    # -- power actions -------------------------------------------------------------------
    def reboot(self, ctxt: RequestContext, instance: Any, reboot_type: str) -> None:
        hard = reboot_type.upper() == "HARD"
        action = Action.REBOOT_HARD if hard else Action.REBOOT
        self._start_task(ctxt, instance, action, REBOOT)
        self.compute_rpcapi.reboot_instance(ctxt, instance, "HARD" if hard else "SOFT")

    def stop(self, ctxt: RequestContext, instance: Any, clean_shutdown: bool = True) -> None:
        self._start_task(ctxt, instance, Action.STOP, STOP, progress=0)
        self.compute_rpcapi.stop_instance(ctxt, instance, clean_shutdown=clean_shutdown)

    def get_console_output(
        self, ctxt: RequestContext, instance: Any, tail_length: int | None = None
    ) -> str:
        """The guest's serial console log, read on its host (a call, not a cast)."""
        if not instance.host or instance.vm_state == VmState.BUILDING:
            raise exception.InstanceNotReady(instance_id=instance.uuid)
        return self.compute_rpcapi.get_console_output(ctxt, instance, tail_length)

    def start(self, ctxt: RequestContext, instance: Any) -> None:
        self._start_task(ctxt, instance, Action.START, START)
        self.compute_rpcapi.start_instance(ctxt, instance)

    def pause(self, ctxt: RequestContext, instance: Any) -> None:
        self._start_task(ctxt, instance, Action.PAUSE, PAUSE)
        self.compute_rpcapi.pause_instance(ctxt, instance)

    def unpause(self, ctxt: RequestContext, instance: Any) -> None:
        self._start_task(ctxt, instance, Action.UNPAUSE, UNPAUSE)
        self.compute_rpcapi.unpause_instance(ctxt, instance)

    def suspend(self, ctxt: RequestContext, instance: Any) -> None:
        self._start_task(ctxt, instance, Action.SUSPEND, SUSPEND)
        self.compute_rpcapi.suspend_instance(ctxt, instance)

    def resume(self, ctxt: RequestContext, instance: Any) -> None:
        self._start_task(ctxt, instance, Action.RESUME, RESUME)
        self.compute_rpcapi.resume_instance(ctxt, instance)

    # -- lock ----------------------------------------------------------------------------
    @staticmethod
    def is_expected_locked_by(ctxt: RequestContext, instance: Any) -> bool:
        """Whether the caller is on the side (owner or admin) that locked the server."""
        if instance.locked_by is None:
            return True
        expected = "owner" if instance.project_id == ctxt.project_id else "admin"
        return instance.locked_by == expected

    def lock(self, ctxt: RequestContext, instance: Any) -> None:
        check_instance_action(Action.LOCK, instance)
        self._record_action(ctxt, instance, LOCK)
        instance.locked = True
        instance.locked_by = "owner" if instance.project_id == ctxt.project_id else "admin"
        instance.save()
        LOG.info("server %s locked by %s", instance.uuid, instance.locked_by)

    def unlock(self, ctxt: RequestContext, instance: Any) -> None:
        check_instance_action(Action.UNLOCK, instance)
        self._record_action(ctxt, instance, UNLOCK)
        instance.locked = False
        instance.locked_by = None
        instance.save()

    # -- rebuild, resize, snapshot -------------------------------------------------------
    def rebuild(
        self,
        ctxt: RequestContext,
        instance: Any,
        image_href: str,
        admin_password: str | None,
        name: str | None = None,
        metadata: Mapping[str, str] | None = None,
        preserve_ephemeral: bool = False,
        **updates: Any,
    ) -> None:
        """Re-create the server's disk from ``image_href`` on the same host."""
        self._check_lock(ctxt, instance)
        check_instance_action(Action.REBUILD, instance)
        image = self.image_api.show(ctxt, id_from_href(image_href))
        check_image_fits(image, instance.flavor)
        if metadata is not None:
            self._check_metadata_quota(ctxt, metadata)
        orig_image_ref = instance.image_ref
        values: dict[str, Any] = dict(updates)
        values.update(image_ref=image["id"], progress=0)
        if name is not None:
            values["display_name"] = name
        if metadata is not None:
            values["metadata"] = dict(metadata)
        sysmeta = {
            k: v for k, v in (instance.system_metadata or {}).items() if not k.startswith("image_")
        }
        sysmeta.update(image_system_metadata(image))
        values["system_metadata"] = sysmeta
        self._start_task(ctxt, instance, Action.REBUILD, REBUILD, check_lock=False, **values)
        self.compute_task_api.rebuild_instance(
            ctxt,
            instance,
            image["id"],
            orig_image_ref,
            image,
            admin_password=admin_password,
            preserve_ephemeral=preserve_ephemeral,
        )

    def resize(self, ctxt: RequestContext, instance: Any, flavor_id: str, **updates: Any) -> None:
        """Move the server to another flavor: the conductor picks a host that fits."""
        self._check_lock(ctxt, instance)
        check_instance_action(Action.RESIZE, instance)
        current = instance.flavor
        new_flavor = get_flavor(ctxt, flavor_id)
        if new_flavor.flavorid == current.flavorid:
            raise exception.CannotResizeToSameFlavor()
        if new_flavor.root_gb == 0 and current.root_gb != 0:
            raise exception.CannotResizeDisk(reason="Resize to zero disk flavor is not allowed.")
        deltas = {
            "cores": max(new_flavor.vcpus - current.vcpus, 0),
            "ram": max(new_flavor.memory_mb - current.memory_mb, 0),
        }
        if any(deltas.values()):
            _objects().Quotas.check_deltas(ctxt, deltas, instance.project_id, instance.user_id)
        self._start_task(
            ctxt, instance, Action.RESIZE, RESIZE, check_lock=False, progress=0, **updates
        )
        request_spec = self._request_spec_for(ctxt, instance, new_flavor)
        self.compute_task_api.resize_instance(
            ctxt, instance, new_flavor, request_spec, request_spec.image
        )

    def confirm_resize(self, ctxt: RequestContext, instance: Any) -> None:
        self._start_task(ctxt, instance, Action.CONFIRM_RESIZE, CONFIRM_RESIZE)
        migration = self._migration(instance)
        source = migration["resize_source_host"]
        self.compute_rpcapi.confirm_resize(ctxt, instance, source, migration)

    def revert_resize(self, ctxt: RequestContext, instance: Any) -> None:
        self._start_task(ctxt, instance, Action.REVERT_RESIZE, REVERT_RESIZE)
        migration = self._migration(instance)
        self.compute_rpcapi.revert_resize(ctxt, instance, migration["resize_dest_host"], migration)

    @staticmethod
    def _migration(instance: Any) -> dict[str, Any]:
        sysmeta = instance.system_metadata or {}
        migration = {key: sysmeta.get(key) for key in MIGRATION_KEYS}
        migration["resize_source_host"] = migration["resize_source_host"] or instance.host
        migration["resize_dest_host"] = migration["resize_dest_host"] or instance.host
        return migration

    def _request_spec_for(self, ctxt: RequestContext, instance: Any, flavor: Any) -> Any:
        properties = image_properties_from_sysmeta(instance.system_metadata or {})
        return _objects().RequestSpec(
            instance_uuid=instance.uuid,
            project_id=instance.project_id,
            user_id=instance.user_id,
            flavor=flavor,
            image={"id": instance.image_ref, "properties": properties},
            availability_zone=instance.availability_zone,
            num_instances=1,
            scheduler_hints={},
            instance_group=None,
            ignore_hosts=[],
            force_hosts=[],
            force_nodes=[],
            retry=None,
        )

    def snapshot(
        self,
        ctxt: RequestContext,
        instance: Any,
        name: str,
        extra_properties: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """Register a queued image in the image service, then ask the host to fill it."""
        self._check_lock(ctxt, instance)
        check_instance_action(Action.CREATE_IMAGE, instance)
        properties = image_properties_from_sysmeta(instance.system_metadata or {})
        properties.update(extra_properties or {})
        properties.update(
            instance_uuid=instance.uuid,
            image_type="snapshot",
            base_image_ref=instance.image_ref or "",
            user_id=ctxt.user_id,
        )
        image = self.image_api.create(
            ctxt,
            {
                "name": name,
                "visibility": "private",
                "owner": ctxt.project_id,
                "properties": properties,
            },
        )
        try:
            self._start_task(ctxt, instance, Action.CREATE_IMAGE, CREATE_IMAGE, check_lock=False)
        except Exception:
            try:
                self.image_api.delete(ctxt, image["id"])
            except Exception:
                LOG.exception("could not remove the unused snapshot image %s", image["id"])
            raise
        self.compute_rpcapi.snapshot_instance(ctxt, instance, image["id"])
        return image

    # -- metadata ------------------------------------------------------------------------
    def get_instance_metadata(self, ctxt: RequestContext, instance: Any) -> dict[str, str]:
        return dict(instance.metadata or {})

    def update_instance_metadata(
        self,
        ctxt: RequestContext,
        instance: Any,
        metadata: Mapping[str, str],
        delete: bool = False,
    ) -> dict[str, str]:
        """Merge ``metadata`` into the server's (``delete``: replace it entirely)."""
        self._check_metadata_change(ctxt, instance, "update_instance_metadata")
        merged = dict(metadata) if delete else {**(instance.metadata or {}), **metadata}
        self._check_metadata_quota(ctxt, merged)
        instance.metadata = merged
        instance.save()
        return dict(merged)

    def delete_instance_metadata(self, ctxt: RequestContext, instance: Any, key: str) -> None:
        self._check_metadata_change(ctxt, instance, "delete_instance_metadata")
        metadata = dict(instance.metadata or {})
        metadata.pop(key, None)
        instance.metadata = metadata
        instance.save()

    def _check_metadata_change(self, ctxt: RequestContext, instance: Any, method: str) -> None:
        self._check_lock(ctxt, instance)
        if instance.vm_state not in METADATA_VM_STATES:
            raise exception.InstanceInvalidState(
                attr="vm_state",
                instance_uuid=instance.uuid,
                state=instance.vm_state,
                method=method,
            )
        if instance.task_state is not None:
            raise exception.InstanceInvalidState(
                attr="task_state",
                instance_uuid=instance.uuid,
                state=instance.task_state,
                method=method,
            )

    # -- instance actions ----------------------------------------------------------------
    def get_actions(self, ctxt: RequestContext, instance: Any) -> list[Any]:
        return list(_objects().InstanceActionList.get_by_instance_uuid(ctxt, instance.uuid))

    def get_action(self, ctxt: RequestContext, instance: Any, request_id: str) -> Any:
        return _objects().InstanceAction.get_by_request_id(ctxt, instance.uuid, request_id)

    def get_action_events(self, ctxt: RequestContext, action: Any) -> list[Any]:
        return list(_objects().InstanceActionEventList.get_by_action(ctxt, action.id))


# -- checks shared by create, rebuild and the REST layer ----------------------------------

# system_metadata keys that describe the image itself rather than its properties.
_IMAGE_CORE_SYSMETA = frozenset(
    {
        "image_base_image_ref",
        "image_disk_format",
        "image_container_format",
        "image_min_ram",
        "image_min_disk",
    }
)


def image_system_metadata(image: Mapping[str, Any]) -> dict[str, str]:
    """What Nova keeps of the boot image in system_metadata (``image_<key>``)."""
    sysmeta = {
        "image_base_image_ref": str(image.get("id") or ""),
        "image_disk_format": str(image.get("disk_format") or ""),
        "image_container_format": str(image.get("container_format") or ""),
        "image_min_ram": str(image.get("min_ram") or 0),
        "image_min_disk": str(image.get("min_disk") or 0),
    }
    for key, value in (image.get("properties") or {}).items():
        sysmeta[f"image_{key}"[:255]] = str(value)[:255]
    return sysmeta


def image_properties_from_sysmeta(sysmeta: Mapping[str, str]) -> dict[str, str]:
    """The boot image's properties as system_metadata remembers them."""
    return {
        k[len("image_") :]: v
        for k, v in sysmeta.items()
        if k.startswith("image_") and k not in _IMAGE_CORE_SYSMETA
    }


def check_image_fits(image: Mapping[str, Any], flavor: Any) -> None:
    """The image must be active and the flavor large enough for it (Nova's checks)."""
    if image.get("status") != "active":
        raise exception.ImageNotActive(image_id=image["id"])
    min_ram = int(image.get("min_ram") or 0)
    if min_ram and flavor.memory_mb < min_ram:
        raise exception.FlavorMemoryTooSmall()
    if flavor.root_gb == 0:
        return
    root_bytes = flavor.root_gb * 1024**3
    size = int(image.get("virtual_size") or image.get("size") or 0)
    if size > root_bytes:
        raise exception.FlavorDiskSmallerThanImage(flavor_size=root_bytes, image_size=size)
    min_disk = int(image.get("min_disk") or 0) * 1024**3
    if min_disk > root_bytes:
        raise exception.FlavorDiskSmallerThanMinDisk(
            flavor_size=root_bytes, image_min_disk=min_disk
        )


def get_flavor(ctxt: RequestContext, flavor_id: str) -> Any:
    """A flavor the caller may use: enabled, and public or shared with its project."""
    flavor = _objects().Flavor.get_by_flavor_id(ctxt, id_from_href(flavor_id))
    if flavor.disabled:
        raise exception.FlavorNotFound(flavor_id=flavor_id)
    if (
        not flavor.is_public
        and not ctxt.is_admin
        and ctxt.project_id not in (flavor.projects or [])
    ):
        raise exception.FlavorNotFound(flavor_id=flavor_id)
    return flavor


def available_zones(ctxt: RequestContext) -> set[str]:
    """The default zone plus every zone an aggregate names."""
    zones = {CONF.default_availability_zone}
    for aggregate in _objects().AggregateList.get_all(ctxt.elevated()):
        zone = (aggregate.metadata or {}).get("availability_zone")
        if zone:
            zones.add(zone)
    return zones


def _scheduler_hints(hints: Mapping[str, Any]) -> dict[str, list[str]]:
    """``RequestSpec.scheduler_hints``: each hint a list of strings, as Nova keeps them."""
    result: dict[str, list[str]] = {}
    for key, value in hints.items():
        values = value if isinstance(value, list) else [value]
        result[key] = [str(v) for v in values]
    return result


def _check_base64(data: str) -> None:
    try:
        base64.b64decode(data, validate=True)
    except ValueError:
        raise exception.InvalidInput(reason="Userdata content cannot be decoded") from None


def _is_uuid_like(value: Any) -> bool:
    try:
        return str(uuidlib.UUID(str(value))) == str(value).lower()
    except ValueError:
        return False
