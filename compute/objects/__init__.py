"""Nova's versioned objects. Importing this package registers them all.

None of these modules imports the database layer at import time: the DB API is loaded
inside remotable bodies only, so nova-compute (whose remotables go to the conductor)
never loads SQLAlchemy.
"""

from compute.objects.aggregate import Aggregate, AggregateList
from compute.objects.compute_node import ComputeNode, ComputeNodeList
from compute.objects.flavor import Flavor, FlavorList
from compute.objects.instance import Instance, InstanceList
from compute.objects.instance_action import (
    InstanceAction,
    InstanceActionEvent,
    InstanceActionEventList,
    InstanceActionList,
)
from compute.objects.instance_fault import InstanceFault, InstanceFaultList
from compute.objects.instance_group import InstanceGroup, InstanceGroupList
from compute.objects.keypair import KeyPair, KeyPairList
from compute.objects.quotas import Quotas
from compute.objects.request_spec import RequestSpec
from compute.objects.service import Service, ServiceList

__all__ = [
    "Aggregate",
    "AggregateList",
    "ComputeNode",
    "ComputeNodeList",
    "Flavor",
    "FlavorList",
    "Instance",
    "InstanceAction",
    "InstanceActionEvent",
    "InstanceActionEventList",
    "InstanceActionList",
    "InstanceFault",
    "InstanceFaultList",
    "InstanceGroup",
    "InstanceGroupList",
    "InstanceList",
    "KeyPair",
    "KeyPairList",
    "Quotas",
    "RequestSpec",
    "Service",
    "ServiceList",
]
