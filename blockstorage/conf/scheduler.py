"""Options of cinder-scheduler (Cinder's names, in [DEFAULT])."""

from oslo_config import cfg

scheduler_opts = [
    cfg.ListOpt(
        "scheduler_default_filters",
        default=["AvailabilityZoneFilter", "CapacityFilter", "CapabilitiesFilter"],
        help="Filters applied, in order, to the pools that could hold a new volume.",
    ),
    cfg.ListOpt(
        "scheduler_default_weighers",
        default=["CapacityWeigher"],
        help="Weighers that order the pools that passed the filters.",
    ),
    cfg.FloatOpt(
        "capacity_weight_multiplier",
        default=1.0,
        help="Multiplier of the free-capacity weigher: positive spreads volumes over "
        "pools, negative stacks them.",
    ),
    cfg.FloatOpt(
        "allocated_capacity_weight_multiplier",
        default=-1.0,
        help="Multiplier of the allocated-capacity weigher: negative prefers pools with "
        "less allocated.",
    ),
    cfg.IntOpt(
        "scheduler_max_attempts",
        default=3,
        min=1,
        help="How many backends a volume creation tries before it fails.",
    ),
    cfg.IntOpt(
        "backend_capabilities_max_age",
        default=300,
        min=1,
        help="Seconds after which a backend whose capabilities were not reported again is "
        "no longer a candidate (Novella; Cinder ties this to service_down_time).",
    ),
]


def list_opts() -> list[tuple[str, list[cfg.Opt]]]:
    return [("DEFAULT", scheduler_opts)]
