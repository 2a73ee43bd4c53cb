"""The volume driver interface: what cinder-volume asks of a storage backend.

The volume manager owns the volume's states and its row; a driver only acts on storage
and returns *model updates* (dicts of the volume's fields to save, e.g.
``{'provider_location': ..., 'provider_auth': ...}``) or None. Method names and
arguments are Cinder's, so an operation can be followed from the API through
``rpcapi.py`` and the manager to the same name here.

Volumes and snapshots are Cinder's objects; a driver reads ``id``, ``name``
(``volume-<id>``), ``size`` (GiB), ``host`` (``host@backend#pool``),
``provider_location``, ``provider_auth`` and, for snapshots, ``volume_id``,
``volume_size`` and ``volume``; it never saves them.

A driver that exports over iSCSI holds a target helper (``self.target``, from
``target_helper``) and delegates ``create_export`` / ``ensure_export`` /
``remove_export`` / ``initialize_connection`` / ``terminate_connection`` to it with
the path of the volume's storage (``local_path``).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from typing import Any

from blockstorage.volume import exception
from common import processutils

LOG = logging.getLogger(__name__)

DRIVER_NAMESPACE = "blockstorage.volume.drivers"
_CINDER_NAMESPACE = "cinder.volume.drivers."

GiB = 1024**3


class VolumeDriver:
    """Base class of volume drivers. See the module docstring."""

    VERSION = "1.0.0"
    vendor_name = "Open Source"
    storage_protocol = "iSCSI"

    def __init__(
        self,
        configuration: Any,
        execute: Callable[..., tuple[str, str]] | None = None,
        host: str | None = None,
        target_helper: Any = None,
    ) -> None:
        self.configuration = configuration
        self._execute = execute or processutils.execute
        self.host = host
        self.initialized = False
        self._stats: dict[str, Any] = {}
        self.target = target_helper if target_helper is not None else self._load_target()

    def _load_target(self) -> Any:
        helper = self.configuration.target_helper
        if helper == "tgtadm":
            from blockstorage.volume.targets.tgt import TgtAdm

            return TgtAdm(self.configuration, execute=self._execute)
        raise exception.TargetHelperNotFound(helper=helper)

    @property
    def backend_name(self) -> str:
        return self.configuration.backend_name

    # -- set-up --------------------------------------------------------------------------
    def do_setup(self, context: Any) -> None:
        """Prepare the backend once at start (create directories, read the VG)."""

    def check_for_setup_error(self) -> None:
        """Raise when the backend cannot serve (e.g. its volume group is missing)."""

    def set_initialized(self) -> None:
        self.initialized = True

    # -- volumes -------------------------------------------------------------------------
    def local_path(self, volume: Any) -> str:
        """Where the volume's bytes live on this host (device or file)."""
        raise NotImplementedError()

    def create_volume(self, volume: Any) -> dict[str, Any] | None:
        raise NotImplementedError()

    def create_volume_from_snapshot(self, volume: Any, snapshot: Any) -> dict[str, Any] | None:
        raise NotImplementedError()

    def create_cloned_volume(self, volume: Any, src_vref: Any) -> dict[str, Any] | None:
        raise NotImplementedError()

    def delete_volume(self, volume: Any) -> None:
        """Remove the volume's storage; a volume whose storage is already gone is fine."""
        raise NotImplementedError()

    def extend_volume(self, volume: Any, new_size: int) -> None:
        raise NotImplementedError()

    def create_snapshot(self, snapshot: Any) -> dict[str, Any] | None:
        raise NotImplementedError()

    def delete_snapshot(self, snapshot: Any) -> None:
        raise NotImplementedError()

    # -- images --------------------------------------------------------------------------
    def copy_image_to_volume(
        self, context: Any, volume: Any, image_service: Any, image_id: str
    ) -> None:
        """Write the image's data (converted to the volume's format) into the volume."""
        raise NotImplementedError()

    def copy_volume_to_image(
        self, context: Any, volume: Any, image_service: Any, image_meta: dict[str, Any]
    ) -> None:
        """Upload the volume's data into the (queued) image ``image_meta['id']``."""
        raise NotImplementedError()

    # -- exports and connections ---------------------------------------------------------
    def create_export(
        self, context: Any, volume: Any, connector: dict[str, Any] | None = None
    ) -> dict[str, Any] | None:
        export = self.target.create_export(context, volume, self.local_path(volume))
        return {"provider_location": export["location"], "provider_auth": export["auth"]}

    def ensure_export(self, context: Any, volume: Any) -> dict[str, Any] | None:
        export = self.target.ensure_export(context, volume, self.local_path(volume))
        if not export:
            return None
        return {"provider_location": export["location"], "provider_auth": export["auth"]}

    def remove_export(self, context: Any, volume: Any) -> None:
        self.target.remove_export(context, volume)

    def initialize_connection(self, volume: Any, connector: dict[str, Any]) -> dict[str, Any]:
        return self.target.initialize_connection(volume, connector)

    def terminate_connection(
        self, volume: Any, connector: dict[str, Any] | None, **kwargs: Any
    ) -> None:
        self.target.terminate_connection(volume, connector, **kwargs)

    # -- capabilities --------------------------------------------------------------------
    def get_volume_stats(self, refresh: bool = False) -> dict[str, Any]:
        """The backend's capabilities and capacity, as cinder-scheduler reads them
        (``volume_backend_name``, ``pools`` ...); ``refresh`` re-reads the backend."""
        if refresh or not self._stats:
            self._stats = self._update_volume_stats()
        return self._stats

    def _update_volume_stats(self) -> dict[str, Any]:
        raise NotImplementedError()

    def _base_stats(self) -> dict[str, Any]:
        return {
            "volume_backend_name": self.backend_name,
            "vendor_name": self.vendor_name,
            "driver_version": self.VERSION,
            "storage_protocol": self.storage_protocol,
            "reserved_percentage": self.configuration.reserved_percentage,
            "max_over_subscription_ratio": self.configuration.max_over_subscription_ratio,
            "multiattach": False,
            "QoS_support": False,
            "sparse_copy_volume": False,
        }


def resolve_driver_class(name: str) -> type[VolumeDriver]:
    """The class ``volume_driver`` names: ``lvm.LVMVolumeDriver``, a dotted path under
    this project, or Cinder's ``cinder.volume.drivers.lvm.LVMVolumeDriver``."""
    if name.startswith(_CINDER_NAMESPACE):
        name = name[len(_CINDER_NAMESPACE) :]
    candidates = [name] if name.startswith(DRIVER_NAMESPACE + ".") else []
    candidates.append(f"{DRIVER_NAMESPACE}.{name}")
    for candidate in candidates:
        module_name, _, class_name = candidate.rpartition(".")
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        cls = getattr(module, class_name, None)
        if isinstance(cls, type) and issubclass(cls, VolumeDriver):
            return cls
    raise exception.VolumeDriverNotFound(driver=name)


def load_volume_driver(configuration: Any, host: str, **kwargs: Any) -> VolumeDriver:
    cls = resolve_driver_class(configuration.volume_driver)
    LOG.info("backend %s uses %s", host, cls.__name__)
    return cls(configuration, host=host, **kwargs)
