"""Options of nova-scheduler's FilterScheduler, with Nova's names and groups.

The allocation ratios and availability-zone defaults live in ``[DEFAULT]`` as in Nova;
nova-compute's resource tracker and the API read the same options from here, so
import this module rather than declaring them again (oslo.config refuses a second,
different declaration of one name).
"""

from oslo_config import cfg

DEFAULT_FILTERS = [
    "RetryFilter",
    "AvailabilityZoneFilter",
    "ComputeFilter",
    "RamFilter",
    "CoreFilter",
    "DiskFilter",
    "ImagePropertiesFilter",
    "AggregateInstanceExtraSpecsFilter",
    "ServerGroupAntiAffinityFilter",
    "ServerGroupAffinityFilter",
]

scheduler_opts = [
    cfg.IntOpt(
        "max_attempts",
        default=3,
        min=1,
        help="Maximum number of attempts to schedule an instance: the first build plus "
        "reschedules to other hosts after a build failure.  nova-conductor stops "
        "rescheduling and puts the instance in ERROR once it is reached.",
    ),
]

filter_scheduler_opts = [
    cfg.IntOpt(
        "host_subset_size",
        default=1,
        min=1,
        help="Pick the host at random among this many best-weighed hosts.  1 always "
        "takes the best host; a larger value lowers the chance that concurrent "
        "schedulers pick the same host for different requests.",
    ),
    cfg.MultiStrOpt(
        "available_filters",
        default=["compute.scheduler.filters.all_filters"],
        help="Filter classes the scheduler may use: dotted paths to a filter class or "
        "to a function returning a list of filter classes.  Repeat the option to add "
        "your own filters next to the built-in ones.",
    ),
    cfg.ListOpt(
        "enabled_filters",
        default=DEFAULT_FILTERS,
        help="Class names of the filters applied, in this order, to every request.  "
        "Each must be among the available filters.  A host that any filter rejects "
        "is not considered; when no host is left the request fails with NoValidHost "
        "naming the filters that removed hosts.",
    ),
    cfg.ListOpt(
        "weight_classes",
        default=["compute.scheduler.weights.all_weighers"],
        help="Weigher classes that order the hosts that passed the filters: dotted paths "
        "to a weigher class or to a function returning a list of weigher classes.",
    ),
    cfg.FloatOpt(
        "ram_weight_multiplier",
        default=1.0,
        help="Multiplier of the free RAM weigher.  Positive values spread instances over "
        "the hosts with the most free RAM; negative values stack them on the fullest "
        "hosts.  Overridden per host by the aggregate metadata key of the same name.",
    ),
    cfg.FloatOpt(
        "cpu_weight_multiplier",
        default=1.0,
        help="Multiplier of the free vCPU weigher (vCPUs times cpu_allocation_ratio "
        "minus vCPUs used).  Positive spreads, negative stacks.  Overridden per host by "
        "the aggregate metadata key of the same name.",
    ),
    cfg.FloatOpt(
        "disk_weight_multiplier",
        default=1.0,
        help="Multiplier of the free disk weigher.  Positive spreads, negative stacks.  "
        "Overridden per host by the aggregate metadata key of the same name.",
    ),
    cfg.FloatOpt(
        "soft_affinity_weight_multiplier",
        default=1.0,
        min=0.0,
        help="Multiplier of the soft-affinity weigher: how strongly members of a "
        "'soft-affinity' server group are drawn to hosts already running members.",
    ),
    cfg.FloatOpt(
        "soft_anti_affinity_weight_multiplier",
        default=1.0,
        min=0.0,
        help="Multiplier of the soft-anti-affinity weigher: how strongly members of a "
        "'soft-anti-affinity' server group avoid hosts already running members.",
    ),
    cfg.BoolOpt(
        "shuffle_best_same_weighed_hosts",
        default=False,
        help="Shuffle the hosts that share the best weight before choosing, so that "
        "identical hosts fill evenly instead of in name order.",
    ),
]

allocation_ratio_opts = [
    cfg.FloatOpt(
        "cpu_allocation_ratio",
        min=0.0,
        help="Virtual CPUs per physical CPU a host may allocate.  Unset: the ratio the "
        "compute node reports, and initial_cpu_allocation_ratio for a node that "
        "reports none.",
    ),
    cfg.FloatOpt(
        "ram_allocation_ratio",
        min=0.0,
        help="Virtual RAM per unit of physical RAM a host may allocate.  Unset: the "
        "ratio the compute node reports, else initial_ram_allocation_ratio.",
    ),
    cfg.FloatOpt(
        "disk_allocation_ratio",
        min=0.0,
        help="Virtual disk per unit of physical disk a host may allocate (above 1.0 for "
        "sparse images).  Unset: the ratio the compute node reports, else "
        "initial_disk_allocation_ratio.",
    ),
    cfg.FloatOpt(
        "initial_cpu_allocation_ratio",
        default=4.0,
        min=0.0,
        help="CPU allocation ratio of a new compute node when cpu_allocation_ratio is unset.",
    ),
    cfg.FloatOpt(
        "initial_ram_allocation_ratio",
        default=1.0,
        min=0.0,
        help="RAM allocation ratio of a new compute node when ram_allocation_ratio is unset.",
    ),
    cfg.FloatOpt(
        "initial_disk_allocation_ratio",
        default=1.0,
        min=0.0,
        help="Disk allocation ratio of a new compute node when disk_allocation_ratio is unset.",
    ),
]

availability_zone_opts = [
    cfg.StrOpt(
        "default_schedule_zone",
        help="Availability zone given to instances whose request names none.  Unset: "
        "such instances may land in any zone.",
    ),
    cfg.StrOpt(
        "internal_service_availability_zone",
        default="internal",
        help="Availability zone shown for services other than nova-compute.",
    ),
]


def list_opts() -> list[tuple[str, list[cfg.Opt]]]:
    return [
        ("DEFAULT", allocation_ratio_opts + availability_zone_opts),
        ("scheduler", scheduler_opts),
        ("filter_scheduler", filter_scheduler_opts),
    ]
