"""Compute's exceptions: one class per meaning, with Nova's messages.

They may be raised on one daemon and re-raised on another (``compute.exception`` is in
the RPC layer's allowed modules), and are mapped to HTTP faults at the API edge by their
``code``.
"""

from __future__ import annotations

from common import exception as common_exc
from common.exception import (  # noqa: F401  (re-exported for compute code)
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    NovellaException,
    OverQuota,
)


class InstanceNotFound(NotFound):
    msg_fmt = "Instance %(instance_id)s could not be found."


class FlavorNotFound(NotFound):
    msg_fmt = "Flavor %(flavor_id)s could not be found."


class FlavorNotFoundByName(FlavorNotFound):
    msg_fmt = "Flavor with name %(flavor_name)s could not be found."


class FlavorExists(Conflict):
    msg_fmt = "Flavor with name %(name)s already exists."


class FlavorIdExists(Conflict):
    msg_fmt = "Flavor with ID %(flavor_id)s already exists."


class FlavorAccessExists(Conflict):
    msg_fmt = (
        "Flavor access already exists for flavor %(flavor_id)s and project %(project_id)s "
        "combination."
    )


class FlavorAccessNotFound(NotFound):
    msg_fmt = "Flavor access not found for %(flavor_id)s / %(project_id)s combination."


class FlavorExtraSpecsNotFound(NotFound):
    msg_fmt = "Flavor %(flavor_id)s has no extra specs with key %(extra_specs_key)s."


class ComputeHostNotFound(NotFound):
    msg_fmt = "Compute host %(host)s could not be found."


class ComputeNodeNotFound(NotFound):
    msg_fmt = "Compute node %(node)s could not be found."


class KeypairNotFound(NotFound):
    msg_fmt = "Keypair %(name)s not found for user %(user_id)s"


class KeyPairExists(Conflict):
    msg_fmt = "Key pair '%(key_name)s' already exists."


class InvalidKeypair(Invalid):
    msg_fmt = "Keypair data is invalid: %(reason)s"


class ImageNotFound(NotFound):
    msg_fmt = "Image %(image_id)s could not be found."


class ImageNotActive(Invalid):
    msg_fmt = "Image %(image_id)s is not active."


class AggregateNotFound(NotFound):
    msg_fmt = "Aggregate %(aggregate_id)s could not be found."


class AggregateNameExists(Conflict):
    msg_fmt = "Aggregate %(aggregate_name)s already exists."


class AggregateHostExists(Conflict):
    msg_fmt = "Aggregate %(aggregate_id)s already has host %(host)s."


class AggregateHostNotFound(NotFound):
    msg_fmt = "Aggregate %(aggregate_id)s has no host %(host)s."


class InstanceGroupNotFound(NotFound):
    msg_fmt = "Instance group %(group_uuid)s could not be found."


class InstanceActionNotFound(NotFound):
    msg_fmt = "Action for request_id %(request_id)s on instance %(instance_uuid)s not found"


class InstanceInvalidState(Conflict):
    msg_fmt = (
        "Instance %(instance_uuid)s in %(attr)s %(state)s. Cannot %(method)s while the "
        "instance is in this state."
    )


class InstanceIsLocked(Conflict):
    msg_fmt = "Instance %(instance_uuid)s is locked"


class UnexpectedTaskStateError(Conflict):
    msg_fmt = (
        "Conflict updating instance %(instance_uuid)s. Expected: %(expected)s. Actual: %(actual)s"
    )


class UnexpectedDeletingTaskStateError(UnexpectedTaskStateError):
    pass


class NoValidHost(NovellaException):
    msg_fmt = "No valid host was found. %(reason)s"


class MaxRetriesExceeded(NoValidHost):
    msg_fmt = "Exceeded maximum number of retries. %(reason)s"


class RescheduledException(NovellaException):
    msg_fmt = "Build of instance %(instance_uuid)s was re-scheduled: %(reason)s"


class BuildAbortException(NovellaException):
    msg_fmt = "Build of instance %(instance_uuid)s aborted: %(reason)s"


class InstanceFaultRollback(NovellaException):
    msg_fmt = "Instance rollback performed due to: %(inner)s"


class TooManyInstances(OverQuota):
    msg_fmt = (
        "Quota exceeded for %(overs)s: Requested %(req)s, but already used %(used)s of "
        "%(allowed)s %(overs)s"
    )


class KeypairLimitExceeded(OverQuota):
    msg_fmt = "Maximum number of key pairs exceeded"


class MetadataLimitExceeded(OverQuota):
    msg_fmt = "Maximum number of metadata items exceeds %(allowed)d"


class QuotaNotFound(NotFound):
    msg_fmt = "Quota could not be found"


class ProjectQuotaNotFound(QuotaNotFound):
    msg_fmt = "Quota for project %(project_id)s could not be found."


class InvalidQuotaValue(Invalid):
    msg_fmt = "Change would make usage less than 0 for the following resources: %(unders)s"


class VirtDriverNotFound(NovellaException):
    msg_fmt = "Could not load virt driver %(driver)s"


class InstanceDeployFailure(NovellaException):
    msg_fmt = "Failed to deploy instance: %(reason)s"


class InstancePowerOnFailure(NovellaException):
    msg_fmt = "Failed to power on instance: %(reason)s"


class InstancePowerOffFailure(NovellaException):
    msg_fmt = "Failed to power off instance: %(reason)s"


class InstanceRebootFailure(NovellaException):
    msg_fmt = "Failed to reboot instance: %(reason)s"


class InstanceSuspendFailure(NovellaException):
    msg_fmt = "Failed to suspend instance: %(reason)s"


class InstanceResumeFailure(NovellaException):
    msg_fmt = "Failed to resume instance: %(reason)s"


class ObjectActionError(common_exc.ObjectActionError):
    pass


class SchedulerHostFilterNotFound(NotFound):
    msg_fmt = "Scheduler Host Filter %(filter_name)s could not be found."


class ClassNotFound(NotFound):
    msg_fmt = "Class %(class_name)s could not be found: %(exception)s"


class InstanceExists(Conflict):
    msg_fmt = "Instance %(name)s already exists."


class InvalidSortKey(Invalid):
    msg_fmt = "Sort key supplied was not valid."


class UnexpectedVMStateError(InstanceInvalidState):
    msg_fmt = "Unexpected VM state: expecting %(expected)s but the VM state is actually %(actual)s"


class ComputeNodeExists(Conflict):
    msg_fmt = "Compute node %(host)s/%(node)s already exists."


class InstanceGroupIdExists(Conflict):
    msg_fmt = "Instance group %(group_uuid)s already exists."


class InstanceGroupMemberNotFound(NotFound):
    msg_fmt = "Instance group %(group_uuid)s has no member %(instance_id)s."


class ImageNotAuthorized(Forbidden):
    msg_fmt = "Not authorized for image %(image_id)s."


class ImageBadRequest(Invalid):
    msg_fmt = "Request of image %(image_id)s got BadRequest response: %(response)s"


class ImageUnacceptable(Invalid):
    msg_fmt = "Image %(image_id)s is unacceptable: %(reason)s"


class ImageExists(Conflict):
    msg_fmt = "Image with identifier %(image_id)s already exists."


class ImageDeleteConflict(Conflict):
    msg_fmt = "Conflict deleting image. Reason: %(reason)s."


class GlanceConnectionFailed(common_exc.ServiceUnavailable):
    msg_fmt = "Connection to glance host %(server)s failed: %(reason)s"


class MarkerNotFound(NotFound):
    msg_fmt = "Marker %(marker)s could not be found."


class ComputeResourcesUnavailable(NovellaException):
    msg_fmt = "Insufficient compute resources: %(reason)s."


class InstanceBuildTimeout(NovellaException):
    msg_fmt = "Instance %(instance_uuid)s failed to build within %(timeout)s seconds."


class InvalidInput(Invalid):
    msg_fmt = "Invalid input received: %(reason)s"


class InvalidRequest(Invalid):
    msg_fmt = "The request is invalid."


class FlavorMemoryTooSmall(Invalid):
    msg_fmt = "Flavor's memory is too small for requested image."


class FlavorDiskSmallerThanImage(Invalid):
    msg_fmt = (
        "Flavor's disk is too small for requested image. Flavor disk is %(flavor_size)i "
        "bytes, image is %(image_size)i bytes."
    )


class FlavorDiskSmallerThanMinDisk(Invalid):
    msg_fmt = (
        "Flavor's disk is smaller than the minimum size specified in image metadata. "
        "Flavor disk is %(flavor_size)i bytes, minimum size is %(image_min_disk)i bytes."
    )


class CannotResizeToSameFlavor(Invalid):
    msg_fmt = "When resizing, instances must change flavor!"


class CannotResizeDisk(Invalid):
    msg_fmt = "Server disk was unable to be resized because: %(reason)s"


class InvalidAggregateAction(Invalid):
    msg_fmt = (
        "Cannot perform action '%(action)s' on aggregate %(aggregate_id)s. Reason: %(reason)s."
    )


class InvalidAggregateActionAdd(InvalidAggregateAction):
    msg_fmt = "Cannot add host to aggregate %(aggregate_id)s. Reason: %(reason)s."


class InvalidAggregateActionDelete(InvalidAggregateAction):
    msg_fmt = "Cannot remove host from aggregate %(aggregate_id)s. Reason: %(reason)s."


class InvalidAggregateActionUpdate(InvalidAggregateAction):
    msg_fmt = "Cannot update aggregate %(aggregate_id)s. Reason: %(reason)s."


class InvalidAggregateActionUpdateMeta(InvalidAggregateAction):
    msg_fmt = "Cannot update metadata of aggregate %(aggregate_id)s. Reason: %(reason)s."


class HypervisorUnavailable(NovellaException):
    msg_fmt = "Connection to the hypervisor is broken on host: %(host)s"


class InstanceNotReady(Conflict):
    msg_fmt = "Instance %(instance_id)s is not ready"
