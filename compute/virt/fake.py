"""The fake hypervisor: in-memory guests for functional tests and scale runs.

A ``FakeDriver`` behaves like a small, very fast hypervisor: guests keyed by instance uuid
whose power state follows the actions (spawn -> running, power_off -> shutdown, pause ->
paused, suspend -> suspended, reboot -> running), resources reported from ``[fake_driver]``
minus what its guests use, and a node identity that survives restarts. ``[fake_driver]``
also makes it slow (``spawn_delay``, ``action_delay``) so BUILD and REBOOT can be watched,
and makes spawns fail on purpose (by host, image or probability) to exercise rescheduling.

Guests are kept in a file under ``state_path`` (``persist_guests``), so restarting
nova-compute finds them again as it would find a real hypervisor's. The driver is called
from many RPC threads at once: one lock guards the guest table; delays run outside it.
"""

from __future__ import annotations

import json
import logging
import os
import random
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common.config import CONF
from compute import conf as _conf  # noqa: F401  (registers [fake_driver])
from compute import exception
from compute.states import PowerState, TaskState
from compute.virt import driver, node
from compute.virt.hardware import InstanceInfo

LOG = logging.getLogger(__name__)

HYPERVISOR_TYPE = "fake"
HYPERVISOR_VERSION = 1000
_CONSOLE_LINES = 50  # kept per guest


@dataclass
class FakeGuest:
    """One guest on the fake hypervisor."""

    uuid: str
    name: str
    node: str
    vcpus: int
    memory_mb: int
    disk_gb: int
    image_ref: str | None
    power_state: int = PowerState.NOSTATE
    # Still being spawned: counted in resources, not yet a finished guest.
    spawning: bool = False
    # The source copy of a resize to another host (removed on confirm).
    resize_source: bool = False
    console: list[str] = field(default_factory=list)
    # Set by destroy, so a spawn or action sleeping on this guest stops at once.
    cancelled: threading.Event = field(default_factory=threading.Event, repr=False)

    def log(self, message: str) -> None:
        self.console.append(f"[{time.time():.6f}] {message}")
        del self.console[:-_CONSOLE_LINES]

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _SAVED_FIELDS} | {
            "console": list(self.console)
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FakeGuest:
        return cls(**{k: v for k, v in data.items() if k in _SAVED_FIELDS})


# What survives a restart: not the spawn in progress nor the thread event.
_SAVED_FIELDS = tuple(
    f for f in FakeGuest.__dataclass_fields__ if f not in ("cancelled", "spawning")
)


def _guest_from_instance(instance: Any, nodename: str) -> FakeGuest:
    return FakeGuest(
        uuid=instance.uuid,
        name=getattr(instance, "name", None) or f"instance-{instance.uuid}",
        node=nodename,
        vcpus=int(instance.vcpus or 0),
        memory_mb=int(instance.memory_mb or 0),
        disk_gb=int(instance.root_gb or 0) + int(instance.ephemeral_gb or 0),
        image_ref=getattr(instance, "image_ref", None),
    )


class FakeDriver(driver.ComputeDriver):
    """``compute_driver = fake.FakeDriver``. See the module docstring."""

    capabilities = {
        **driver.ComputeDriver.capabilities,
        "supports_migrate_to_same_host": True,
        "supports_snapshot": True,
    }

    def __init__(self, virtapi: Any = None, read_only: bool = False) -> None:
        super().__init__(virtapi, read_only)
        self._lock = threading.RLock()
        # Saving the guest file is serialised separately and coalesced (see _flush).
        self._write_lock = threading.Lock()
        self._generation = 0
        self._saved_generation = 0
        self._dirty: set[str] = set()
        self._encoded: dict[str, str] = {}  # instance uuid -> the guest's saved JSON
        self._guests: dict[str, FakeGuest] = {}
        # Pre-resize guests kept by migrate_disk_and_power_off for a revert.
        self._resize_stash: dict[str, FakeGuest] = {}
        # image_id -> what was captured; there is no disk data to upload.
        self.snapshots: dict[str, dict[str, Any]] = {}
        self.random = random.Random()
        self._host: str | None = None
        self._nodename: str | None = None
        self._node_uuid: str | None = None
        self._state_file: Path | None = None

    # --- host ---------------------------------------------------------------------------

    def init_host(self, host: str) -> None:
        with self._lock:
            self._host = host
            self._nodename = CONF.fake_driver.node_name or host
            # The service's own node uses Nova's <state_path>/compute_id; other node
            # names (several fake computes sharing one state_path) get their own file.
            own = self._nodename == CONF.host
            self._node_uuid = node.get_or_create_node_uuid(
                CONF.state_path, None if own else self._nodename
            )
            self._state_file = (
                Path(CONF.state_path) / f"fake-guests.{self._nodename}.json"
                if CONF.fake_driver.persist_guests
                else None
            )
            self._load_guests()
        LOG.info(
            "Fake hypervisor node %s (%s) on host %s with %d guests",
            self._nodename,
            self._node_uuid,
            host,
            len(self._guests),
        )

    def _ensure_host(self) -> None:
        if self._nodename is None:
            self.init_host(CONF.host)

    @property
    def nodename(self) -> str:
        self._ensure_host()
        assert self._nodename is not None
        return self._nodename

    def get_available_nodes(self, refresh: bool = False) -> list[str]:
        return [self.nodename]

    def get_node_uuid(self, nodename: str) -> str:
        self._check_node(nodename)
        assert self._node_uuid is not None
        return self._node_uuid

    def get_available_resource(self, nodename: str) -> dict[str, Any]:
        self._check_node(nodename)
        opts = CONF.fake_driver
        with self._lock:
            guests = [g for g in self._guests.values() if g.node == nodename]
            vcpus_used = sum(g.vcpus for g in guests)
            memory_mb_used = sum(g.memory_mb for g in guests)
            local_gb_used = sum(g.disk_gb for g in guests)
        return {
            "vcpus": opts.vcpus,
            "memory_mb": opts.memory_mb,
            "local_gb": opts.local_gb,
            "vcpus_used": vcpus_used,
            "memory_mb_used": memory_mb_used,
            "local_gb_used": local_gb_used,
            "hypervisor_type": HYPERVISOR_TYPE,
            "hypervisor_version": HYPERVISOR_VERSION,
            "hypervisor_hostname": nodename,
            "cpu_info": json.dumps(
                {
                    "arch": "x86_64",
                    "model": "fake",
                    "vendor": "Novella",
                    "topology": {"sockets": 1, "cores": opts.vcpus, "threads": 1},
                    "features": [],
                }
            ),
            "disk_available_least": opts.local_gb - local_gb_used,
            "supported_instances": [["x86_64", HYPERVISOR_TYPE, "hvm"]],
        }

    def _check_node(self, nodename: str) -> None:
        if nodename != self.nodename:
            raise exception.ComputeNodeNotFound(node=nodename)

    # --- guests -------------------------------------------------------------------------

    def list_instances(self) -> list[str]:
        with self._lock:
            return [g.name for g in self._guests.values()]

    def list_instance_uuids(self) -> list[str]:
        with self._lock:
            return list(self._guests)

    def instance_exists(self, instance: Any) -> bool:
        with self._lock:
            return instance.uuid in self._guests

    def get_info(self, instance: Any, use_cache: bool = True) -> InstanceInfo:
        with self._lock:
            guest = self._get_guest(instance)
            return InstanceInfo(
                state=PowerState(guest.power_state),
                internal_id=guest.name,
                memory_mb=guest.memory_mb,
                vcpus=guest.vcpus,
            )

    def get_console_output(self, context: Any, instance: Any) -> str:
        with self._lock:
            return "".join(line + "\n" for line in self._get_guest(instance).console)

    def _get_guest(self, instance: Any) -> FakeGuest:
        try:
            return self._guests[instance.uuid]
        except KeyError:
            raise exception.InstanceNotFound(instance_id=instance.uuid) from None

    # --- lifecycle ----------------------------------------------------------------------

    def spawn(
        self,
        context: Any,
        instance: Any,
        image_meta: Any,
        injected_files: list[tuple[str, bytes]],
        admin_password: str | None,
        network_info: Any = None,
        block_device_info: dict | None = None,
        power_on: bool = True,
        *,
        allocations: dict | None = None,
        accel_info: list | None = None,
    ) -> None:
        nodename = self.nodename
        guest = _guest_from_instance(instance, nodename)
        guest.spawning = True
        with self._lock:
            if instance.uuid in self._guests:
                raise exception.InstanceExists(name=guest.name)
            self._guests[instance.uuid] = guest
        try:
            if self._wait(CONF.fake_driver.spawn_delay, guest):
                raise exception.InstanceNotFound(instance_id=instance.uuid)
            self._inject_spawn_failure(instance)
        except BaseException:
            with self._lock:
                if self._guests.get(instance.uuid) is guest:
                    del self._guests[instance.uuid]
            raise
        with self._lock:
            if self._guests.get(instance.uuid) is not guest:  # destroyed just now
                raise exception.InstanceNotFound(instance_id=instance.uuid)
            guest.spawning = False
            self._start_or_leave_off(guest, power_on)
            self._changed(instance.uuid)
        self._flush()
        LOG.info("Spawned guest %s on %s", instance.uuid, nodename)

    def _inject_spawn_failure(self, instance: Any) -> None:
        opts = CONF.fake_driver
        reason = None
        if {self._host, self._nodename} & set(opts.fail_spawn_on_hosts):
            reason = f"spawns fail on host {self._host} ([fake_driver] fail_spawn_on_hosts)"
        elif getattr(instance, "image_ref", None) in opts.fail_spawn_image_ids:
            reason = (
                f"spawns of image {instance.image_ref} fail ([fake_driver] fail_spawn_image_ids)"
            )
        elif opts.fail_spawn_probability and self.random.random() < opts.fail_spawn_probability:
            reason = "injected random failure ([fake_driver] fail_spawn_probability)"
        if reason is None:
            return
        LOG.warning("Failing spawn of %s on %s: %s", instance.uuid, self._host, reason)
        if opts.fail_spawn_exception == "BuildAbortException":
            raise exception.BuildAbortException(instance_uuid=instance.uuid, reason=reason)
        raise exception.InstanceDeployFailure(reason=reason)

    def destroy(
        self,
        context: Any,
        instance: Any,
        network_info: Any = None,
        block_device_info: dict | None = None,
        destroy_disks: bool = True,
        destroy_secrets: bool = True,
    ) -> None:
        with self._lock:
            guest = self._guests.get(instance.uuid)
        if guest is None:
            LOG.debug("Guest %s is already gone", instance.uuid)
            return
        # Stop a spawn or action sleeping on this guest first, so deleting a server in
        # BUILD does not wait for the build, and nothing is left behind.
        guest.cancelled.set()
        if not guest.spawning:
            self._wait(CONF.fake_driver.action_delay)
        with self._lock:
            if self._guests.get(instance.uuid) is guest:
                del self._guests[instance.uuid]
                self._changed(instance.uuid)
        self._flush()
        LOG.info("Destroyed guest %s", instance.uuid)

    def reboot(
        self,
        context: Any,
        instance: Any,
        network_info: Any,
        reboot_type: str,
        block_device_info: dict | None = None,
        bad_volumes_callback: Any = None,
        accel_info: list | None = None,
    ) -> None:
        # A soft reboot of a guest that is not running falls back to a hard one (as
        # libvirt's does), so both end running.
        self._act(instance, f"reboot ({reboot_type})", None, PowerState.RUNNING, boot=True)

    def power_off(self, instance: Any, timeout: int = 0, retry_interval: int = 0) -> None:
        self._act(instance, "power off", None, PowerState.SHUTDOWN)

    def power_on(
        self,
        context: Any,
        instance: Any,
        network_info: Any,
        block_device_info: dict | None = None,
        accel_info: list | None = None,
    ) -> None:
        self._act(instance, "power on", None, PowerState.RUNNING, boot=True)

    def pause(self, instance: Any) -> None:
        self._act(instance, "pause", {PowerState.RUNNING}, PowerState.PAUSED)

    def unpause(self, instance: Any) -> None:
        self._act(instance, "unpause", {PowerState.PAUSED}, PowerState.RUNNING)

    def suspend(self, context: Any, instance: Any) -> None:
        allowed = {PowerState.RUNNING, PowerState.PAUSED}
        self._act(instance, "suspend", allowed, PowerState.SUSPENDED)

    def resume(
        self,
        context: Any,
        instance: Any,
        network_info: Any,
        block_device_info: dict | None = None,
    ) -> None:
        self._act(instance, "resume", {PowerState.SUSPENDED}, PowerState.RUNNING)

    def resume_state_on_host_boot(
        self,
        context: Any,
        instance: Any,
        network_info: Any,
        block_device_info: dict | None = None,
    ) -> None:
        self._act(instance, "resume on host boot", None, PowerState.RUNNING, boot=True)

    def _act(
        self,
        instance: Any,
        action: str,
        allowed: set[PowerState] | None,
        result: PowerState,
        boot: bool = False,
    ) -> None:
        """Move a guest to ``result`` after ``action_delay``.

        ``allowed``: the power states the action works from (None: any); ``boot``: the
        guest starts afresh (its console shows a new boot), as after a reboot or power on.
        """
        with self._lock:
            guest = self._get_guest(instance)
            self._check_power_state(guest, action, allowed)
        if self._wait(CONF.fake_driver.action_delay, guest):
            raise exception.InstanceNotFound(instance_id=instance.uuid)
        with self._lock:
            if self._guests.get(instance.uuid) is not guest:
                raise exception.InstanceNotFound(instance_id=instance.uuid)
            self._check_power_state(guest, action, allowed)
            if boot:
                self._boot(guest)
            else:
                self._set_power(guest, result)
            self._changed(instance.uuid)
        self._flush()
        LOG.info("Guest %s: %s done, now %s", instance.uuid, action, result.label)

    @staticmethod
    def _check_power_state(guest: FakeGuest, action: str, allowed: set[PowerState] | None):
        if guest.spawning or (allowed is not None and guest.power_state not in allowed):
            state = "spawning" if guest.spawning else PowerState(guest.power_state).label
            raise exception.InstanceInvalidState(
                attr="power_state", instance_uuid=guest.uuid, state=state, method=action
            )

    @staticmethod
    def _set_power(guest: FakeGuest, state: PowerState) -> None:
        guest.power_state = state
        guest.log(f"fake-hypervisor: {guest.name} is {state.label}")

    def _start_or_leave_off(self, guest: FakeGuest, power_on: bool) -> None:
        if power_on:
            self._boot(guest)
        else:
            self._set_power(guest, PowerState.SHUTDOWN)

    def _boot(self, guest: FakeGuest) -> None:
        guest.power_state = PowerState.RUNNING
        guest.log(f"fake-bios: booting {guest.name} ({guest.uuid}) on {guest.node}")
        guest.log(f"Linux version fake ({guest.vcpus} CPUs, {guest.memory_mb} MB)")
        guest.log(f"{guest.name} login:")

    def snapshot(self, context: Any, instance: Any, image_id: str, update_task_state: Any) -> None:
        with self._lock:
            guest = self._get_guest(instance)
        update_task_state(task_state=TaskState.IMAGE_PENDING_UPLOAD)
        if self._wait(CONF.fake_driver.action_delay, guest):
            raise exception.InstanceNotFound(instance_id=instance.uuid)
        update_task_state(
            task_state=TaskState.IMAGE_UPLOADING, expected_state=TaskState.IMAGE_PENDING_UPLOAD
        )
        with self._lock:
            self.snapshots[image_id] = {
                "instance_uuid": guest.uuid,
                "image_ref": guest.image_ref,
                "disk_gb": guest.disk_gb,
                "created_at": time.time(),
            }
        LOG.info("Snapshot of %s saved as image %s", instance.uuid, image_id)

    # --- resize ---------------------------------------------------------------------------
    # Source: migrate_disk_and_power_off keeps a copy of the guest for a revert. Dest:
    # finish_migration creates the resized guest (replacing the source's on the same
    # host). Confirm drops the copy (and, across hosts, the source guest); a revert has
    # the destination destroy its guest, then finish_revert_migration restores the copy.

    def migrate_disk_and_power_off(
        self,
        context: Any,
        instance: Any,
        dest: str,
        flavor: Any,
        network_info: Any,
        block_device_info: dict | None = None,
        timeout: int = 0,
        retry_interval: int = 0,
    ) -> str:
        self._act(instance, "migrate disk and power off", None, PowerState.SHUTDOWN)
        with self._lock:
            guest = self._get_guest(instance)
            guest.resize_source = True
            self._resize_stash[instance.uuid] = FakeGuest.from_dict(guest.to_dict())
            self._changed(instance.uuid)
        self._flush()
        return json.dumps({"disk_gb": guest.disk_gb, "source_node": guest.node})

    def finish_migration(
        self,
        context: Any,
        migration: Any,
        instance: Any,
        disk_info: str,
        network_info: Any,
        image_meta: Any,
        resize_instance: bool,
        allocations: dict | None = None,
        block_device_info: dict | None = None,
        power_on: bool = True,
    ) -> None:
        # The instance carries its new flavor's sizes by now.
        guest = _guest_from_instance(instance, self.nodename)
        self._wait(CONF.fake_driver.action_delay)
        with self._lock:
            self._guests[instance.uuid] = guest
            self._start_or_leave_off(guest, power_on)
            self._changed(instance.uuid)
        self._flush()

    def confirm_migration(
        self, context: Any, migration: Any, instance: Any, network_info: Any
    ) -> None:
        with self._lock:
            self._resize_stash.pop(instance.uuid, None)
            guest = self._guests.get(instance.uuid)
            if guest is not None and guest.resize_source:
                del self._guests[instance.uuid]
            self._changed(instance.uuid)
        self._flush()

    def finish_revert_migration(
        self,
        context: Any,
        instance: Any,
        network_info: Any,
        migration: Any,
        block_device_info: dict | None = None,
        power_on: bool = True,
    ) -> None:
        self._wait(CONF.fake_driver.action_delay)
        with self._lock:
            guest = self._resize_stash.pop(instance.uuid, None)
            if guest is None:
                guest = self._get_guest(instance)
            guest.resize_source = False
            self._guests[instance.uuid] = guest
            self._start_or_leave_off(guest, power_on)
            self._changed(instance.uuid)
        self._flush()

    # --- helpers --------------------------------------------------------------------------

    @staticmethod
    def _wait(seconds: float, guest: FakeGuest | None = None) -> bool:
        """Sleep ``seconds``; True when ``guest`` was destroyed meanwhile."""
        if guest is not None:
            return guest.cancelled.wait(seconds) if seconds > 0 else guest.cancelled.is_set()
        if seconds > 0:
            time.sleep(seconds)
        return False

    def _changed(self, instance_uuid: str) -> None:
        """Note that a guest changed, to be saved by ``_flush`` (caller holds the lock)."""
        self._dirty.add(instance_uuid)
        self._generation += 1

    def _flush(self) -> None:
        """Save the guests to the state file, unless a later save already covered them.

        Called after the lock is released: concurrent changes collapse into one write,
        and when an action returns its change is on disk. Each guest's JSON is cached, so
        a save re-encodes only the guests that changed (thousands of guests per node).
        """
        if self._state_file is None:
            return
        with self._write_lock:
            with self._lock:
                if self._saved_generation >= self._generation:
                    return
                generation = self._generation
                for instance_uuid in self._dirty:
                    guest = self._guests.get(instance_uuid)
                    if guest is None or guest.spawning:
                        self._encoded.pop(instance_uuid, None)
                    else:
                        self._encoded[instance_uuid] = json.dumps(guest.to_dict())
                self._dirty.clear()
                stash = json.dumps([g.to_dict() for g in self._resize_stash.values()])
                data = (
                    f'{{"node": {json.dumps(self._nodename)}, '
                    f'"guests": [{", ".join(self._encoded.values())}], '
                    f'"resize_stash": {stash}}}'
                )
            tmp = self._state_file.with_name(self._state_file.name + ".tmp")
            try:
                self._state_file.parent.mkdir(parents=True, exist_ok=True)
                tmp.write_text(data)
                os.replace(tmp, self._state_file)
            except OSError:
                LOG.exception("Could not save the fake guests to %s", self._state_file)
                return
            self._saved_generation = generation

    def _load_guests(self) -> None:
        if self._state_file is None or not self._state_file.exists():
            return
        try:
            data = json.loads(self._state_file.read_text())
            guests = [FakeGuest.from_dict(g) for g in data.get("guests", [])]
            stash = [FakeGuest.from_dict(g) for g in data.get("resize_stash", [])]
        except (OSError, ValueError, TypeError) as exc:
            LOG.error("Ignoring unreadable fake guest file %s: %s", self._state_file, exc)
            return
        self._guests = {g.uuid: g for g in guests}
        self._resize_stash = {g.uuid: g for g in stash}
        self._encoded = {g.uuid: json.dumps(g.to_dict()) for g in guests}
