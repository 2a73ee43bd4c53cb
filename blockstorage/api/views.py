"""Bodies of the Block Storage API resources, field by field as Cinder shows them at
each microversion (see ``api_version`` for the steps)."""

from __future__ import annotations

from typing import Any

from blockstorage.api import api_version, common
from blockstorage.volume.states import AttachStatus
from common.wsgi import policy
from common.wsgi.resource import Request

# Admin metadata a volume's owner sees among its metadata (Cinder's visible keys).
VISIBLE_ADMIN_METADATA = ("readonly", "attached_mode")
# Extra specs every reader of a type sees (Cinder's user-visible keys).
USER_VISIBLE_EXTRA_SPECS = ("RESKEY:availability_zones", "multiattach", "replication_enabled")
# Cinder's user messages: action and detail ids -> words.
MESSAGE_ACTIONS = {"001": "schedule allocate volume"}
MESSAGE_DETAILS = {"002": "Could not find any available weighted backend."}


def allowed(req: Request, rule: str, project_id: str | None) -> bool:
    try:
        policy.authorize(req.context, rule, {"project_id": project_id})
    except Exception:  # noqa: BLE001  (PolicyNotAuthorized: the field is not shown)
        return False
    return True


# -- volumes -------------------------------------------------------------------------------
def _attachments(volume: Any) -> list[dict[str, Any]]:
    return [
        {
            "id": volume.id,
            "attachment_id": a.id,
            "volume_id": volume.id,
            "server_id": a.instance_uuid,
            "host_name": a.attached_host,
            "device": a.mountpoint,
            "attached_at": common.iso(a.attach_time),
        }
        for a in volume.volume_attachment
        if a.attach_status == AttachStatus.ATTACHED
    ]


def volume_summary(req: Request, volume: Any) -> dict[str, Any]:
    return {
        "id": volume.id,
        "name": volume.display_name,
        "links": common.item_links(req, "volumes", volume.id),
    }


def volume_detail(req: Request, volume: Any) -> dict[str, Any]:
    metadata = dict(volume.metadata)
    for key in VISIBLE_ADMIN_METADATA:
        if key in volume.admin_metadata:
            metadata[key] = volume.admin_metadata[key]
    body: dict[str, Any] = {
        "id": volume.id,
        "status": volume.status,
        "size": volume.size,
        "availability_zone": volume.availability_zone,
        "created_at": common.iso(volume.created_at),
        "updated_at": common.iso(volume.updated_at),
        "attachments": _attachments(volume),
        "name": volume.display_name,
        "description": volume.display_description,
        "volume_type": volume.volume_type.name if volume.volume_type else None,
        "snapshot_id": volume.snapshot_id,
        "source_volid": volume.source_volid,
        "metadata": metadata,
        "links": common.item_links(req, "volumes", volume.id),
        "user_id": volume.user_id,
        "bootable": str(bool(volume.bootable)).lower(),
        "encrypted": bool(volume.encryption_key_id),
        "replication_status": volume.replication_status,
        "consistencygroup_id": volume.consistencygroup_id,
        "multiattach": bool(volume.multiattach),
    }
    context = req.context
    if context.is_admin:
        body["migration_status"] = volume.migration_status
    if allowed(req, "volume_extension:volume_tenant_attribute", volume.project_id):
        body["os-vol-tenant-attr:tenant_id"] = volume.project_id
    if allowed(req, "volume_extension:volume_host_attribute", volume.project_id):
        body["os-vol-host-attr:host"] = volume.host
    if allowed(req, "volume_extension:volume_mig_status_attribute", volume.project_id):
        body["os-vol-mig-status-attr:migstat"] = volume.migration_status
        body["os-vol-mig-status-attr:name_id"] = volume.name_id
    if volume.glance_metadata and allowed(
        req, "volume_extension:volume_image_metadata:show", volume.project_id
    ):
        body["volume_image_metadata"] = dict(volume.glance_metadata)
    if api_version.at_least(req, api_version.GROUP_VOLUME):
        body["group_id"] = volume.group_id
    if api_version.at_least(req, api_version.VOLUME_DETAIL_PROVIDER_ID) and context.is_admin:
        body["provider_id"] = volume.provider_id
    return body


def volume_list(req: Request, volumes: list[Any], limit: int, detailed: bool) -> dict[str, Any]:
    build = volume_detail if detailed else volume_summary
    body: dict[str, Any] = {"volumes": [build(req, v) for v in volumes]}
    links = common.collection_links(req, volumes, "volumes", limit)
    if links:
        body["volumes_links"] = links
    return body


# -- snapshots -----------------------------------------------------------------------------
def snapshot(req: Request, snap: Any, extended: bool = True) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": snap.id,
        "created_at": common.iso(snap.created_at),
        "updated_at": common.iso(snap.updated_at),
        "name": snap.display_name,
        "description": snap.display_description,
        "volume_id": snap.volume_id,
        "status": snap.status,
        "size": snap.volume_size,
        "metadata": dict(snap.metadata),
    }
    if api_version.at_least(req, api_version.GROUP_SNAPSHOTS):
        body["group_snapshot_id"] = snap.group_snapshot_id
    if extended and allowed(req, "volume_extension:extended_snapshot_attributes", snap.project_id):
        body["os-extended-snapshot-attributes:progress"] = snap.progress
        body["os-extended-snapshot-attributes:project_id"] = snap.project_id
    return body


def snapshot_list(req: Request, snaps: list[Any], limit: int, detailed: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"snapshots": [snapshot(req, s, detailed) for s in snaps]}
    links = common.collection_links(req, snaps, "snapshots", limit)
    if links:
        body["snapshots_links"] = links
    return body


# -- volume types --------------------------------------------------------------------------
def volume_type(req: Request, vtype: Any) -> dict[str, Any]:
    if allowed(req, "volume_extension:access_types_extra_specs", None):
        specs = dict(vtype.extra_specs)
    else:
        specs = {k: v for k, v in vtype.extra_specs.items() if k in USER_VISIBLE_EXTRA_SPECS}
    body: dict[str, Any] = {
        "id": vtype.id,
        "name": vtype.name,
        "is_public": vtype.is_public,
        "description": vtype.description,
        "extra_specs": specs,
    }
    if allowed(req, "volume_extension:access_types_qos_specs_id", None):
        body["qos_specs_id"] = vtype.qos_specs_id
    if allowed(req, "volume_extension:volume_type_access", req.context.project_id):
        body["os-volume-type-access:is_public"] = vtype.is_public
    return body


# -- attachments ---------------------------------------------------------------------------
def attachment_summary(att: Any) -> dict[str, Any]:
    return {
        "id": att.id,
        "status": att.attach_status,
        "instance": att.instance_uuid,
        "volume_id": att.volume_id,
    }


def attachment_detail(att: Any) -> dict[str, Any]:
    return {
        **attachment_summary(att),
        "attached_at": common.iso(att.attach_time),
        "detached_at": common.iso(att.detach_time),
        "attach_mode": att.attach_mode,
        "connection_info": att.connection_info,
    }


# -- messages ------------------------------------------------------------------------------
def message(req: Request, row: Any) -> dict[str, Any]:
    action = MESSAGE_ACTIONS.get(row.action_id or "", "")
    detail = MESSAGE_DETAILS.get(row.detail_id or "", "An unknown error occurred.")
    return {
        "id": row.id,
        "event_id": row.event_id,
        "user_message": f"{action}:{detail}" if action else detail,
        "message_level": row.message_level,
        "resource_type": row.resource_type,
        "resource_uuid": row.resource_uuid,
        "created_at": common.iso(row.created_at),
        "guaranteed_until": common.iso(row.expires_at),
        "request_id": row.request_id,
        "links": common.item_links(req, "messages", row.id),
    }
