"""Routes of the Compute API resources other than servers and images.

One table, in the shape of :data:`compute.api.openstack.router.ROUTES`, which includes
it.  Fixed words (``detail``, ``statistics``) come before ``{id}`` so they are not
taken for ids.
"""

from __future__ import annotations

from typing import Any

from compute.api.openstack.aggregates import AggregateController
from compute.api.openstack.availability_zone import AvailabilityZoneController
from compute.api.openstack.flavor_access import FlavorAccessController, FlavorActionController
from compute.api.openstack.flavor_extra_specs import FlavorExtraSpecsController
from compute.api.openstack.flavor_manage import FlavorManageController
from compute.api.openstack.flavors import FlavorsController
from compute.api.openstack.hypervisors import HypervisorsController
from compute.api.openstack.keypairs import KeypairController
from compute.api.openstack.limits import LimitsController
from compute.api.openstack.quota_sets import QuotaSetsController
from compute.api.openstack.server_groups import ServerGroupController
from compute.api.openstack.services import ServiceController

ROUTES: list[Any] = [
    # flavors (+ flavor-manage, extra specs, access)
    (
        "/flavors",
        {"GET": (FlavorsController, "index"), "POST": (FlavorManageController, "create")},
    ),
    ("/flavors/detail", {"GET": (FlavorsController, "detail")}),
    (
        "/flavors/{id}",
        {"GET": (FlavorsController, "show"), "DELETE": (FlavorManageController, "delete")},
    ),
    ("/flavors/{id}/action", {"POST": (FlavorActionController, "action")}),
    (
        "/flavors/{flavor_id}/os-extra_specs",
        {
            "GET": (FlavorExtraSpecsController, "index"),
            "POST": (FlavorExtraSpecsController, "create"),
        },
    ),
    (
        "/flavors/{flavor_id}/os-extra_specs/{id}",
        {
            "GET": (FlavorExtraSpecsController, "show"),
            "PUT": (FlavorExtraSpecsController, "update"),
            "DELETE": (FlavorExtraSpecsController, "delete"),
        },
    ),
    ("/flavors/{flavor_id}/os-flavor-access", {"GET": (FlavorAccessController, "index")}),
    # key pairs
    (
        "/os-keypairs",
        {"GET": (KeypairController, "index"), "POST": (KeypairController, "create")},
    ),
    (
        "/os-keypairs/{id}",
        {"GET": (KeypairController, "show"), "DELETE": (KeypairController, "delete")},
    ),
    # limits and quotas
    ("/limits", {"GET": (LimitsController, "index")}),
    ("/os-quota-sets/{id}/defaults", {"GET": (QuotaSetsController, "defaults")}),
    ("/os-quota-sets/{id}/detail", {"GET": (QuotaSetsController, "detail")}),
    (
        "/os-quota-sets/{id}",
        {
            "GET": (QuotaSetsController, "show"),
            "PUT": (QuotaSetsController, "update"),
            "DELETE": (QuotaSetsController, "delete"),
        },
    ),
    # availability zones and aggregates
    ("/os-availability-zone", {"GET": (AvailabilityZoneController, "index")}),
    ("/os-availability-zone/detail", {"GET": (AvailabilityZoneController, "detail")}),
    (
        "/os-aggregates",
        {"GET": (AggregateController, "index"), "POST": (AggregateController, "create")},
    ),
    (
        "/os-aggregates/{id}",
        {
            "GET": (AggregateController, "show"),
            "PUT": (AggregateController, "update"),
            "DELETE": (AggregateController, "delete"),
        },
    ),
    ("/os-aggregates/{id}/action", {"POST": (AggregateController, "action")}),
    # server groups
    (
        "/os-server-groups",
        {"GET": (ServerGroupController, "index"), "POST": (ServerGroupController, "create")},
    ),
    (
        "/os-server-groups/{id}",
        {"GET": (ServerGroupController, "show"), "DELETE": (ServerGroupController, "delete")},
    ),
    # services and hypervisors
    ("/os-services", {"GET": (ServiceController, "index")}),
    (
        "/os-services/{id}",
        {"PUT": (ServiceController, "update"), "DELETE": (ServiceController, "delete")},
    ),
    ("/os-hypervisors", {"GET": (HypervisorsController, "index")}),
    ("/os-hypervisors/detail", {"GET": (HypervisorsController, "detail")}),
    ("/os-hypervisors/statistics", {"GET": (HypervisorsController, "statistics")}),
    ("/os-hypervisors/{id}/search", {"GET": (HypervisorsController, "search")}),
    ("/os-hypervisors/{id}/servers", {"GET": (HypervisorsController, "servers")}),
    ("/os-hypervisors/{id}", {"GET": (HypervisorsController, "show")}),
]
