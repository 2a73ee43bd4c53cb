"""Options of the libvirt driver: Nova's ``[libvirt]`` group and ``instances_path``.

Names, groups and meanings are Nova's, so an operator's nova.conf keeps working. Two
defaults differ on purpose, for the hosts Novella is tested on: ``virt_type`` is
``qemu`` (plain emulation, TCG) and ``cpu_mode`` is ``none``; KVM and a host CPU model
are one line of configuration away where the hardware supports them. ``call_timeout``
is Novella's own.
"""

from oslo_config import cfg

instances_path_opts = [
    cfg.StrOpt(
        "instances_path",
        default="$state_path/instances",
        help="Where the instances' disks, kernels, console logs and the cache of base "
        "images (_base) live on the compute host. Directories along the way must be "
        "traversable by the user QEMU runs as.",
    ),
]

libvirt_opts = [
    cfg.StrOpt(
        "virt_type",
        default="qemu",
        choices=[
            ("qemu", "Plain emulation (TCG): works everywhere, slower."),
            ("kvm", "Hardware virtualization through /dev/kvm."),
        ],
        help="The libvirt domain type. The driver takes it from here, never from the "
        "host's capabilities: a host may list kvm and still not run KVM guests.",
    ),
    cfg.StrOpt(
        "connection_uri",
        default="",
        help="The libvirt URI to connect to. Empty: derived from virt_type "
        "(qemu:///system for both qemu and kvm). test:///default runs without a daemon.",
    ),
    cfg.StrOpt(
        "images_type",
        default="default",
        choices=[
            ("default", "qcow2 (Nova's default while use_cow_images is on)."),
            ("qcow2", "A qcow2 overlay on the cached base image, sized to the flavor."),
            ("raw", "A full raw copy of the base image, sized to the flavor."),
            ("flat", "Same as raw."),
        ],
        help="How an instance's root and ephemeral disks are stored.",
    ),
    cfg.StrOpt(
        "snapshot_image_format",
        choices=[
            ("raw", "Raw bytes."),
            ("qcow2", "A compact qcow2 without a backing file."),
        ],
        help="Format of the images createImage uploads. Unset: qcow2.",
    ),
    cfg.IntOpt(
        "wait_soft_reboot_seconds",
        default=120,
        min=0,
        help="Seconds a soft reboot waits for the guest to shut down after the ACPI power "
        "button before it falls back to a hard reboot.",
    ),
    cfg.StrOpt(
        "cpu_mode",
        default="none",
        choices=[
            ("none", "The hypervisor's default CPU model (safe with TCG)."),
            ("host-model", "A model close to the host's CPU (KVM)."),
            ("host-passthrough", "The host's CPU exactly (KVM only; QEMU aborts under TCG)."),
        ],
        help="The CPU model guests see.",
    ),
    cfg.FloatOpt(
        "call_timeout",
        default=120.0,
        min=1.0,
        help="Seconds a call to libvirt may take before the driver gives up on it and "
        "reports the hypervisor unavailable, so a hung libvirtd cannot hold nova-compute's "
        "threads forever. (Novella's own option.)",
    ),
]


def list_opts() -> list[tuple[str, list[cfg.Opt]]]:
    return [("DEFAULT", instances_path_opts), ("libvirt", libvirt_opts)]
