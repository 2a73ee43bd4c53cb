"""The tgt iSCSI target helper (``target_helper = tgtadm``): one target per volume.

A volume is exported as target ``<target_prefix>volume-<id>`` with the volume's device
or file as LUN 1, bound to ALL initiators (or the connector's, see
``target_acl_from_connector``) and guarded by a CHAP account of its own. The account
is generated at the first export and kept in the volume's ``provider_auth`` as
``CHAP <user> <password>``; ``provider_location`` reads ``<ip>:<port>,<tid> <iqn> <lun>``,
as Cinder writes them.

tgtd keeps its targets in memory only, so after a tgtd restart the targets are gone:
cinder-volume calls ``ensure_export`` for each of its volumes at start, which recreates
the target with the same name and credentials. Every step is idempotent (a target, LUN,
binding or account that already exists is left as it is).

A record of each export is also written to ``volumes_dir/volume-<id>`` in tgt's
configuration format, so an operator can read (or ``tgt-admin --update``) it.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import re
import secrets
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from blockstorage.volume import exception
from blockstorage.volume.names import volume_name
from common import processutils

LOG = logging.getLogger(__name__)

TGT_EXISTS = 22  # tgtadm's exit code for "already exists" and for "not found" alike
TGTD_UNREACHABLE = 107
LUN = 1
_USER_CHARS = string.ascii_letters + string.digits
_PASSWORD_CHARS = string.ascii_letters + string.digits


@dataclass
class TargetInfo:
    """One target as ``tgtadm --op show`` lists it."""

    tid: int
    iqn: str
    luns: dict[int, str] = field(default_factory=dict)  # lun -> backing store path
    accounts: list[str] = field(default_factory=list)
    acl: list[str] = field(default_factory=list)


def parse_show_targets(output: str) -> dict[str, TargetInfo]:
    """``{iqn: TargetInfo}`` from the text of ``tgtadm --lld iscsi --op show --mode target``."""
    targets: dict[str, TargetInfo] = {}
    current: TargetInfo | None = None
    section = ""
    lun: int | None = None
    for raw in output.splitlines():
        line = raw.strip()
        match = re.match(r"^Target (\d+): (\S+)$", raw)
        if match:
            current = TargetInfo(int(match.group(1)), match.group(2))
            targets[current.iqn] = current
            section, lun = "", None
            continue
        if current is None or not line:
            continue
        if line.endswith("information:"):
            section = line
            continue
        if section == "LUN information:":
            if line.startswith("LUN:"):
                lun = int(line.split(":", 1)[1])
            elif line.startswith("Backing store path:") and lun is not None:
                current.luns[lun] = line.split(":", 1)[1].strip()
        elif section == "Account information:":
            current.accounts.append(line)
        elif section == "ACL information:":
            current.acl.append(line)
    return targets


def tgtd_not_running(exc: processutils.ProcessExecutionError) -> bool:
    """tgtadm could not reach tgtd (exit 107: 'Transport endpoint is not connected')."""
    return exc.exit_code == TGTD_UNREACHABLE or "not connected" in (exc.stderr or "")


def generate_chap() -> tuple[str, str]:
    """A fresh CHAP account: 20-character user, 16-character password (Cinder's sizes)."""
    user = "".join(secrets.choice(_USER_CHARS) for _ in range(20))
    password = "".join(secrets.choice(_PASSWORD_CHARS) for _ in range(16))
    return user, password


def parse_provider_auth(provider_auth: str | None) -> tuple[str, str] | None:
    """``(user, password)`` of ``'CHAP user password'``; None when unset."""
    if not provider_auth:
        return None
    parts = provider_auth.split()
    if len(parts) != 3 or parts[0] != "CHAP":
        return None
    return parts[1], parts[2]


def parse_provider_location(location: str) -> tuple[str, str, int]:
    """``(portal 'ip:port', iqn, lun)`` of ``'ip:port,tid iqn lun'``."""
    portal_tid, iqn, *rest = location.split()
    portal = portal_tid.split(",", 1)[0]
    return portal, iqn, int(rest[0]) if rest else LUN


class TgtAdm:
    """Drives tgtd through ``tgtadm`` (run through ``common.processutils`` as root)."""

    protocol = "iSCSI"

    def __init__(self, configuration: Any, execute: Callable[..., Any] | None = None) -> None:
        self.configuration = configuration
        self._execute = execute or processutils.execute

    # -- tgtadm --------------------------------------------------------------------------
    def _tgtadm(self, *args: str, secret: str | None = None, **kwargs: Any) -> tuple[str, str]:
        return self._execute(
            "tgtadm",
            "--lld",
            "iscsi",
            *args,
            run_as_root=True,
            secrets=[secret] if secret else [],
            **kwargs,
        )

    def show_targets(self) -> dict[str, TargetInfo]:
        out, _ = self._tgtadm("--op", "show", "--mode", "target")
        return parse_show_targets(out)

    def show_accounts(self) -> list[str]:
        out, _ = self._tgtadm("--op", "show", "--mode", "account")
        return [line.strip() for line in out.splitlines()[1:] if line.strip()]

    def _exists_ok(self, *args: str, secret: str | None = None) -> None:
        """Run a creating tgtadm command; "already exists" counts as done."""
        try:
            self._tgtadm(*args, secret=secret, log_errors=False)
        except processutils.ProcessExecutionError as exc:
            if exc.exit_code == TGT_EXISTS and "already exists" in exc.stderr:
                return
            raise

    # -- names and records ---------------------------------------------------------------
    def iqn(self, volume: Any) -> str:
        return f"{self.configuration.target_prefix}{volume_name(volume)}"

    def portal(self) -> str:
        return f"{self.configuration.target_ip_address}:{self.configuration.target_port}"

    @contextlib.contextmanager
    def _host_lock(self) -> Iterator[None]:
        """Serialise tid allocation between the cinder-volume processes of this host."""
        directory = self.configuration.volumes_dir
        os.makedirs(directory, exist_ok=True)
        with open(os.path.join(directory, ".tgtadm.lock"), "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _record_path(self, volume: Any) -> str:
        return os.path.join(self.configuration.volumes_dir, volume_name(volume))

    def _write_record(self, volume: Any, iqn: str, path: str, user: str, password: str) -> None:
        record = (
            f"<target {iqn}>\n    backing-store {path}\n    driver iscsi\n"
            f"    incominguser {user} {password}\n    write-cache on\n</target>\n"
        )
        target_file = self._record_path(volume)
        temp = target_file + ".tmp"
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(record)
        os.replace(temp, target_file)

    # -- exports -------------------------------------------------------------------------
    def create_export(self, context: Any, volume: Any, volume_path: str) -> dict[str, str]:
        """Export the volume; returns ``{'location': provider_location, 'auth':
        provider_auth}`` for the volume's row."""
        chap = parse_provider_auth(getattr(volume, "provider_auth", None)) or generate_chap()
        tid = self._export(volume, volume_path, chap)
        iqn = self.iqn(volume)
        LOG.info("volume %s exported as %s (tid %s)", volume.id, iqn, tid)
        return {
            "location": f"{self.portal()},{tid} {iqn} {LUN}",
            "auth": f"CHAP {chap[0]} {chap[1]}",
        }

    def ensure_export(self, context: Any, volume: Any, volume_path: str) -> dict[str, str] | None:
        """Recreate a missing target (e.g. after a tgtd restart) with the volume's own
        name and CHAP account. Returns a model update when the location changed."""
        chap = parse_provider_auth(getattr(volume, "provider_auth", None))
        if chap is None:
            LOG.warning("volume %s has no CHAP account recorded; exporting anew", volume.id)
            return self.create_export(context, volume, volume_path)
        tid = self._export(volume, volume_path, chap)
        location = f"{self.portal()},{tid} {self.iqn(volume)} {LUN}"
        if location != getattr(volume, "provider_location", None):
            return {"location": location, "auth": f"CHAP {chap[0]} {chap[1]}"}
        return None

    def _export(self, volume: Any, volume_path: str, chap: tuple[str, str]) -> int:
        iqn = self.iqn(volume)
        user, password = chap
        with self._host_lock():
            targets = self.show_targets()
            target = targets.get(iqn)
            if target is None:
                tid = self._new_target(iqn, {t.tid for t in targets.values()})
                target = TargetInfo(tid, iqn)
            tid_s = str(target.tid)
            if LUN not in target.luns:
                self._tgtadm(
                    "--op", "new", "--mode", "logicalunit", "--tid", tid_s,
                    "--lun", str(LUN), "-b", volume_path,
                )  # fmt: skip
            if not target.acl and not self.configuration.target_acl_from_connector:
                self._exists_ok("--op", "bind", "--mode", "target", "--tid", tid_s, "-I", "ALL")
            self._exists_ok(
                "--op", "new", "--mode", "account", "--user", user, "--password", password,
                secret=password,
            )  # fmt: skip
            if user not in target.accounts:
                self._tgtadm("--op", "bind", "--mode", "account", "--tid", tid_s, "--user", user)
        self._write_record(volume, iqn, volume_path, user, password)
        return target.tid

    def _new_target(self, iqn: str, used: set[int]) -> int:
        """Create the target on the lowest free tid; skip a tid another process took."""
        tid = 1
        for _ in range(64):
            while tid in used:
                tid += 1
            try:
                self._tgtadm(
                    "--op", "new", "--mode", "target", "--tid", str(tid), "-T", iqn,
                    log_errors=False,
                )  # fmt: skip
                return tid
            except processutils.ProcessExecutionError as exc:
                if exc.exit_code != TGT_EXISTS:
                    raise
                used.add(tid)
        raise exception.ISCSITargetCreateFailed(iqn=iqn, reason="no free target id")

    def remove_export(self, context: Any, volume: Any) -> None:
        """Delete the volume's target and CHAP account; nothing to do if already gone."""
        iqn = self.iqn(volume)
        chap = parse_provider_auth(getattr(volume, "provider_auth", None))
        with self._host_lock():
            try:
                target = self.show_targets().get(iqn)
            except processutils.ProcessExecutionError as exc:
                if not tgtd_not_running(exc):
                    raise
                # tgtd keeps targets and accounts in memory: with it stopped, both are gone.
                LOG.warning("tgtd is not running; volume %s has no target to remove", volume.id)
                target, chap = None, None
            if target is not None:
                self._tgtadm(
                    "--op", "delete", "--force", "--mode", "target", "--tid", str(target.tid)
                )
            users = set(target.accounts if target else [])
            if chap:
                users.add(chap[0])
            existing = set(self.show_accounts()) if users else set()
            for user in sorted(users & existing):
                self._tgtadm("--op", "delete", "--mode", "account", "--user", user)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._record_path(volume))
        LOG.info("volume %s: target %s removed", volume.id, iqn)

    # -- connections ---------------------------------------------------------------------
    def initialize_connection(self, volume: Any, connector: dict[str, Any]) -> dict[str, Any]:
        """Cinder's iSCSI ``connection_info`` for the volume's export."""
        if not getattr(volume, "provider_location", None):
            raise exception.VolumeNotExported(volume_id=volume.id)
        portal, iqn, lun = parse_provider_location(volume.provider_location)
        data: dict[str, Any] = {
            "target_discovered": False,
            "target_portal": portal,
            "target_iqn": iqn,
            "target_lun": lun,
            "volume_id": volume.id,
            "encrypted": False,
            "access_mode": "rw",
            "discard": False,
        }
        chap = parse_provider_auth(getattr(volume, "provider_auth", None))
        if chap:
            data.update(auth_method="CHAP", auth_username=chap[0], auth_password=chap[1])
        initiator = (connector or {}).get("initiator")
        if self.configuration.target_acl_from_connector and initiator:
            self._bind_initiator(iqn, initiator)
        return {"driver_volume_type": "iscsi", "data": data}

    def terminate_connection(
        self, volume: Any, connector: dict[str, Any] | None, **kwargs: Any
    ) -> None:
        initiator = (connector or {}).get("initiator")
        if not (self.configuration.target_acl_from_connector and initiator):
            return
        target = self.show_targets().get(self.iqn(volume))
        if target is not None and initiator in target.acl:
            self._tgtadm(
                "--op", "unbind", "--mode", "target", "--tid", str(target.tid), "-I", initiator
            )  # fmt: skip

    def _bind_initiator(self, iqn: str, initiator: str) -> None:
        target = self.show_targets().get(iqn)
        if target is None:
            raise exception.ISCSITargetNotFound(iqn=iqn)
        tid = str(target.tid)
        if "ALL" in target.acl:
            self._tgtadm("--op", "unbind", "--mode", "target", "--tid", tid, "-I", "ALL")
        self._exists_ok("--op", "bind", "--mode", "target", "--tid", tid, "-I", initiator)
