"""Options of cinder-volume, with Cinder's names, and the per-backend configuration.

As in Cinder, ``[DEFAULT] enabled_backends = lvm-1,file-1`` makes one backend of each
named section: the section holds the backend's driver options (``volume_driver``,
``volume_group``, ``target_helper`` ...), and a value a section leaves out comes from
``[backend_defaults]``. With no ``enabled_backends`` the driver options are read from
``[DEFAULT]`` and the backend's host is plain ``host`` (Cinder's legacy layout).
"""

from __future__ import annotations

from typing import Any

from oslo_config import cfg

from common.config import CONF

BACKEND_DEFAULTS_GROUP = "backend_defaults"

volume_manager_opts = [
    cfg.ListOpt(
        "enabled_backends",
        default=[],
        help="Names of the configuration sections of the backends this cinder-volume "
        "serves, e.g. lvm-1,file-1. Each backend is served as host '<host>@<name>' on the "
        "topic cinder-volume.<host>@<name>.",
    ),
    cfg.IntOpt(
        "backend_stats_polling_interval",
        default=60,
        min=3,
        help="Seconds between reports of each backend's capacity and capabilities to "
        "cinder-scheduler.",
    ),
]

# Options every backend section may set (and [backend_defaults], and [DEFAULT] when
# enabled_backends is empty).
backend_opts = [
    cfg.StrOpt(
        "volume_driver",
        default="blockstorage.volume.drivers.lvm.LVMVolumeDriver",
        help="Driver class of this backend: 'lvm.LVMVolumeDriver' or "
        "'file.FileVolumeDriver' (under blockstorage.volume.drivers), a full dotted "
        "path, or Cinder's name cinder.volume.drivers.lvm.LVMVolumeDriver.",
    ),
    cfg.StrOpt(
        "volume_backend_name",
        help="Name of the backend the scheduler and volume types see "
        "(extra spec volume_backend_name); defaults to the section name.",
    ),
    cfg.IntOpt(
        "reserved_percentage",
        default=0,
        min=0,
        max=100,
        help="Percentage of the backend's capacity kept free of new volumes.",
    ),
    cfg.FloatOpt(
        "max_over_subscription_ratio",
        default=20.0,
        min=1.0,
        help="Provisioned capacity may reach this multiple of the real capacity on a "
        "thin-provisioned backend (the file driver with sparse files).",
    ),
    # LVM
    cfg.StrOpt(
        "volume_group",
        default="cinder-volumes",
        help="Name of the LVM volume group that holds this backend's volumes.",
    ),
    cfg.BoolOpt(
        "lvm_activation",
        default=True,
        help="False runs every LVM command with --config 'global{activation=0}': LVs "
        "are created, resized and removed in the volume group's metadata only, with no "
        "device node. For kernels without device-mapper (test hosts); such volumes have "
        "no data path and cannot be attached.",
    ),
    cfg.BoolOpt(
        "lvm_suppress_fd_warnings",
        default=False,
        help="Set LVM_SUPPRESS_FD_WARNINGS=1 for LVM commands (silences warnings about "
        "file descriptors the daemon leaves open).",
    ),
    cfg.StrOpt(
        "volume_clear",
        default="zero",
        choices=[
            ("none", "Leave the old data on the device."),
            ("zero", "Overwrite the volume with zeros before removing it."),
        ],
        help="How a deleted LVM volume's data is wiped (skipped when the LV has no device).",
    ),
    cfg.IntOpt(
        "volume_clear_size",
        default=0,
        min=0,
        help="MiB to wipe at the start of a deleted volume; 0 wipes all of it.",
    ),
    # file driver
    cfg.StrOpt(
        "file_volume_dir",
        default="$state_path/file-volumes",
        help="Directory of the file driver's volumes (volume-<id>) and snapshots (snapshot-<id>).",
    ),
    cfg.StrOpt(
        "file_volume_format",
        default="raw",
        choices=[
            ("raw", "Sparse raw files, exported over iSCSI by the target helper."),
            ("qcow2", "qcow2 files, attached as local files by a compute on this host."),
        ],
        help="Disk format of the file driver's volumes.",
    ),
    cfg.StrOpt(
        "image_conversion_dir",
        default="$state_path/conversion",
        help="Directory for temporary image files while copying images to and from volumes.",
    ),
    # iSCSI target
    cfg.StrOpt(
        "target_helper",
        default="tgtadm",
        choices=[("tgtadm", "The tgt iSCSI target daemon, driven with tgtadm.")],
        help="iSCSI target software that exports this backend's volumes.",
    ),
    cfg.StrOpt("target_protocol", default="iscsi", choices=["iscsi"], help="Target protocol."),
    cfg.StrOpt(
        "target_ip_address",
        default="127.0.0.1",
        help="Address of the iSCSI portal the computes connect to (tgtd must listen on it).",
    ),
    cfg.PortOpt("target_port", default=3260, help="Port of the iSCSI portal."),
    cfg.StrOpt(
        "target_prefix",
        default="iqn.2010-10.org.openstack:",
        deprecated_name="iscsi_target_prefix",
        help="Prefix of target names; a volume's target is <prefix>volume-<id>.",
    ),
    cfg.StrOpt(
        "volumes_dir",
        default="$state_path/volumes",
        help="Directory of the per-volume target files (tgt's <target> format) that "
        "record each export.",
    ),
    cfg.BoolOpt(
        "target_acl_from_connector",
        default=False,
        help="Bind a volume's target only to the initiator named in the connector of "
        "initialize_connection, rather than to ALL initiators. CHAP is required either "
        "way. Leave False when the computes attach with QEMU's own initiator, whose "
        "name is not the host's.",
    ),
]

BACKEND_OPT_NAMES = frozenset(opt.dest for opt in backend_opts)


def list_opts() -> list[tuple[str, list[cfg.Opt]]]:
    return [
        ("DEFAULT", volume_manager_opts + backend_opts),
        (BACKEND_DEFAULTS_GROUP, list(backend_opts)),
    ]


class BackendConfiguration:
    """The options of one backend, read as attributes: ``config.volume_group``.

    ``BackendConfiguration('lvm-1')`` registers the driver options in section
    ``[lvm-1]`` (as Cinder does when a backend starts); a value that section does not
    set is taken from ``[backend_defaults]``. ``BackendConfiguration(None)`` reads
    ``[DEFAULT]``.
    """

    def __init__(self, backend_name: str | None, conf: cfg.ConfigOpts = CONF) -> None:
        self.config_group = backend_name
        self._conf = conf
        if backend_name:
            conf.register_opts(backend_opts, group=backend_name)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name not in BACKEND_OPT_NAMES:
            raise AttributeError(name)
        if not self.config_group:
            return getattr(self._conf, name)
        group = self._conf[self.config_group]
        value = getattr(group, name)
        if self._set_in_section(name):
            return value
        return getattr(self._conf[BACKEND_DEFAULTS_GROUP], name)

    def _set_in_section(self, name: str) -> bool:
        """Whether the backend's own section (or an override) gives the option."""
        try:
            loc = self._conf.get_location(name, self.config_group)
        except (cfg.NoSuchOptError, AttributeError):
            return False
        return loc is not None and loc.location != cfg.Locations.opt_default

    def safe_get(self, name: str) -> Any:
        try:
            return getattr(self, name)
        except (AttributeError, cfg.NoSuchOptError):
            return None

    @property
    def backend_name(self) -> str:
        """``volume_backend_name``, or the section name, or 'DEFAULT'."""
        return self.volume_backend_name or self.config_group or "DEFAULT"


def backend_names(conf: cfg.ConfigOpts = CONF) -> list[str]:
    """The sections of ``enabled_backends``, in order, without blanks or repeats."""
    names: list[str] = []
    for name in conf.enabled_backends or []:
        name = name.strip()
        if name and name not in names:
            names.append(name)
    return names


def _register() -> None:
    """Register on import too, so cinder-volume's code works whichever module loads first
    (``blockstorage.conf`` registers the same option objects again: a no-op)."""
    for group, opts in list_opts():
        CONF.register_opts(opts, group=None if group == "DEFAULT" else group)


_register()
