"""Options of nova-compute and its virt drivers (Nova's names), plus ``[fake_driver]``.

``[DEFAULT]`` holds what Nova keeps there (``compute_driver``, the periodic tasks'
intervals, host reservations); ``[compute]`` holds Nova's options of that
group; ``[fake_driver]`` is Novella's own: the resources, delays and failures of the
in-memory fake hypervisor used by the functional tests and the benchmarks.
"""

from oslo_config import cfg

compute_driver_opts = [
    cfg.StrOpt(
        "compute_driver",
        help="Virtualization driver nova-compute uses, relative to the compute.virt "
        "package: fake.FakeDriver (in-memory guests, for tests and scale runs) or "
        "libvirt.LibvirtDriver. nova-compute refuses to start without it.",
    ),
]

compute_manager_opts = [
    cfg.IntOpt(
        "instance_build_timeout",
        default=0,
        min=0,
        help="Seconds an instance may stay in BUILD on its compute host before the "
        "manager puts it in ERROR. 0 disables the timeout.",
    ),
    cfg.IntOpt(
        "sync_power_state_interval",
        default=600,
        help="Seconds between syncs of the database's power states with the hypervisor's. "
        "A negative value disables the sync.",
    ),
    cfg.IntOpt(
        "sync_power_state_pool_size",
        default=1000,
        min=1,
        help="Number of instances whose power state is synced at the same time.",
    ),
    cfg.IntOpt(
        "reboot_timeout",
        default=0,
        min=0,
        help="Seconds after which an instance stuck in a reboot is hard rebooted. 0 disables.",
    ),
    cfg.IntOpt(
        "resize_confirm_window",
        default=0,
        min=0,
        help="Seconds after which a resized instance is confirmed automatically. 0 disables.",
    ),
    cfg.IntOpt(
        "shutdown_timeout",
        default=60,
        min=0,
        help="Seconds to wait for a guest to shut down cleanly before powering it off. "
        "0 powers off at once. An image property os_shutdown_timeout overrides it.",
    ),
    cfg.BoolOpt(
        "resume_guests_state_on_host_boot",
        default=False,
        help="Whether guests that were running before the host rebooted are started "
        "again when nova-compute starts.",
    ),
    cfg.StrOpt(
        "running_deleted_instance_action",
        default="reap",
        choices=[
            ("reap", "Power down and destroy the guest."),
            ("log", "Only log a warning."),
            ("shutdown", "Power the guest off."),
            ("noop", "Do nothing."),
        ],
        help="What to do with a guest still running on the hypervisor whose instance was "
        "deleted in the database.",
    ),
    cfg.IntOpt(
        "running_deleted_instance_poll_interval",
        default=1800,
        help="Seconds between checks for guests of deleted instances. 0 disables.",
    ),
    cfg.IntOpt(
        "running_deleted_instance_timeout",
        default=0,
        min=0,
        help="Seconds an instance must have been deleted before its guest is handled by "
        "running_deleted_instance_action.",
    ),
    cfg.IntOpt(
        "reclaim_instance_interval",
        default=0,
        help="Seconds a deleted instance stays soft-deleted (restorable) before it is "
        "reclaimed. 0 or less deletes at once.",
    ),
    cfg.IntOpt(
        "max_concurrent_builds",
        default=10,
        min=0,
        help="Builds a compute host runs at the same time; 0 means unlimited.",
    ),
    cfg.IntOpt(
        "update_resources_interval",
        default=0,
        help="Seconds between resource reports of the compute host; 0 uses "
        "periodic_interval, a negative value disables them.",
    ),
    cfg.BoolOpt(
        "allow_resize_to_same_host",
        default=False,
        help="Allow the scheduler to choose the instance's own host as the destination "
        "of a resize.",
    ),
]

# The allocation ratios themselves are scheduler options (compute.conf.scheduler).
reserved_host_opts = [
    cfg.IntOpt(
        "reserved_host_memory_mb",
        default=512,
        min=0,
        help="RAM in MB kept for the host itself, never given to instances.",
    ),
    cfg.IntOpt(
        "reserved_host_disk_mb",
        default=0,
        min=0,
        help="Disk in MB kept for the host itself, never given to instances.",
    ),
    cfg.IntOpt(
        "reserved_host_cpus",
        default=0,
        min=0,
        help="Physical CPUs kept for the host itself, never given to instances.",
    ),
]

compute_group_opts = [
    cfg.IntOpt(
        "consecutive_build_service_disable_threshold",
        default=10,
        min=0,
        help="Consecutive build failures after which a compute service disables itself, "
        "so the scheduler stops sending it builds. 0 never disables.",
    ),
    cfg.IntOpt(
        "shutdown_retry_interval",
        default=10,
        min=1,
        help="Seconds between the shutdown requests sent to a guest during a clean shutdown.",
    ),
]

fake_driver_opts = [
    cfg.StrOpt(
        "node_name",
        help="Name of the fake hypervisor node (hypervisor_hostname). Unset: the host "
        "name of the compute service.",
    ),
    cfg.IntOpt("vcpus", default=32, min=1, help="Physical CPUs the fake host reports."),
    cfg.IntOpt("memory_mb", default=131072, min=1, help="RAM in MB the fake host reports."),
    cfg.IntOpt("local_gb", default=2048, min=1, help="Disk in GB the fake host reports."),
    cfg.FloatOpt(
        "spawn_delay",
        default=0.0,
        min=0.0,
        help="Seconds a spawn takes, so BUILD can be seen (and interrupted by a delete).",
    ),
    cfg.FloatOpt(
        "action_delay",
        default=0.0,
        min=0.0,
        help="Seconds every other guest action takes (reboot, power off/on, pause, "
        "suspend, resume, destroy, snapshot, migration steps), so REBOOT and the other "
        "transitional statuses can be seen.",
    ),
    cfg.ListOpt(
        "fail_spawn_on_hosts",
        default=[],
        help="Spawns fail on these compute hosts (or node names); with several hosts "
        "this exercises rescheduling to another one.",
    ),
    cfg.FloatOpt(
        "fail_spawn_probability",
        default=0.0,
        min=0.0,
        max=1.0,
        help="Probability that any spawn fails.",
    ),
    cfg.ListOpt(
        "fail_spawn_image_ids",
        default=[],
        help="Spawns of instances booted from these image ids fail.",
    ),
    cfg.StrOpt(
        "fail_spawn_exception",
        default="InstanceDeployFailure",
        choices=[
            ("InstanceDeployFailure", "A hypervisor error: the build is rescheduled."),
            ("BuildAbortException", "The build is aborted without rescheduling."),
        ],
        help="How an injected spawn failure is raised.",
    ),
    cfg.BoolOpt(
        "persist_guests",
        default=True,
        help="Keep the fake guests in a file under state_path, so they survive a restart "
        "of nova-compute as a real hypervisor's guests do.",
    ),
]


def list_opts() -> list[tuple[str, list[cfg.Opt]]]:
    return [
        ("DEFAULT", compute_driver_opts + compute_manager_opts + reserved_host_opts),
        ("compute", compute_group_opts),
        ("fake_driver", fake_driver_opts),
    ]
