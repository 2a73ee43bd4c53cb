"""Default policy rules of the Block Storage API (Cinder's rule names and check strings).

The base rules now; each API module adds its rules (``volume:create`` ...) to
:data:`RULES` as it is implemented.  Operators override them in
``[oslo_policy] policy_file``.
"""

from __future__ import annotations

from oslo_policy import policy as oslo_policy

from common.wsgi import policy

ADMIN = "role:admin"

BASE_RULES = [
    oslo_policy.RuleDefault(
        "context_is_admin", ADMIN, "Decides what is required for the 'is_admin:True' check."
    ),
    oslo_policy.RuleDefault(
        "admin_or_owner",
        "is_admin:True or project_id:%(project_id)s",
        "An admin, or any user of the project that owns the resource.",
    ),
    oslo_policy.RuleDefault("admin_api", "is_admin:True", "Default rule for admin-only APIs."),
    oslo_policy.RuleDefault(
        "xena_system_admin_or_project_reader",
        f"{ADMIN} or (role:reader and project_id:%(project_id)s)",
        "Project readers (or admins) may look at the project's resources.",
    ),
    oslo_policy.RuleDefault(
        "xena_system_admin_or_project_member",
        f"{ADMIN} or (role:member and project_id:%(project_id)s)",
        "Project members (or admins) may change the project's resources.",
    ),
]

READER = "rule:xena_system_admin_or_project_reader"
MEMBER = "rule:xena_system_admin_or_project_member"
ADMIN_API = "rule:admin_api"


def _rule(name: str, check: str, doc: str, method: str, path: str) -> oslo_policy.RuleDefault:
    return oslo_policy.DocumentedRuleDefault(name, check, doc, [{"method": method, "path": path}])


_VOL = "/volumes/{volume_id}"
_ACTION = f"{_VOL}/action"
_TYPE = "/types/{type_id}"

# (name, check string, description, method, path), Cinder's names.
_TABLE = [
    ("volume:create", MEMBER, "Create a volume.", "POST", "/volumes"),
    ("volume:create_from_image", MEMBER, "Create a volume from an image.", "POST", "/volumes"),
    ("volume:get", READER, "Show a volume.", "GET", _VOL),
    ("volume:get_all", READER, "List volumes or their summary.", "GET", "/volumes"),
    ("volume:update", MEMBER, "Update a volume (and set its bootable flag).", "PUT", _VOL),
    ("volume:delete", MEMBER, "Delete a volume.", "DELETE", _VOL),
    ("volume:force_delete", ADMIN_API, "Delete a volume with force (3.23).", "DELETE", _VOL),
    ("volume:extend", MEMBER, "Extend a volume (os-extend).", "POST", _ACTION),
    ("volume:update_readonly_flag", MEMBER, "os-update_readonly_flag.", "POST", _ACTION),
    ("volume_extension:volume_tenant_attribute", READER,
     "Show os-vol-tenant-attr:tenant_id in volume details.", "GET", _VOL),
    ("volume_extension:volume_host_attribute", ADMIN_API,
     "Show os-vol-host-attr:host in volume details.", "GET", _VOL),
    ("volume_extension:volume_mig_status_attribute", ADMIN_API,
     "Show os-vol-mig-status-attr:* in volume details.", "GET", _VOL),
    ("volume_extension:volume_image_metadata:show", READER,
     "Show volume_image_metadata in volume details.", "GET", _VOL),
    ("volume_extension:volume_admin_actions:reset_status", ADMIN_API,
     "os-reset_status of a volume or snapshot.", "POST", _ACTION),
    ("volume_extension:volume_admin_actions:force_delete", ADMIN_API,
     "os-force_delete of a volume.", "POST", _ACTION),
    ("volume_extension:volume_admin_actions:force_detach", ADMIN_API,
     "os-force_detach of a volume.", "POST", _ACTION),
    ("volume:get_snapshot", READER, "Show a snapshot.", "GET", "/snapshots/{snapshot_id}"),
    ("volume:get_all_snapshots", READER, "List snapshots.", "GET", "/snapshots"),
    ("volume:create_snapshot", MEMBER, "Create a snapshot.", "POST", "/snapshots"),
    ("volume:update_snapshot", MEMBER, "Update a snapshot.", "PUT", "/snapshots/{snapshot_id}"),
    ("volume:delete_snapshot", MEMBER, "Delete a snapshot.", "DELETE", "/snapshots/{snapshot_id}"),
    ("volume_extension:extended_snapshot_attributes", READER,
     "Show os-extended-snapshot-attributes:* of snapshots.", "GET", "/snapshots/{snapshot_id}"),
    ("volume:attachment_create", MEMBER, "Create an attachment (3.27).", "POST", "/attachments"),
    ("volume:attachment_update", MEMBER, "Connect an attachment.", "PUT", "/attachments/{id}"),
    ("volume:attachment_delete", MEMBER, "Delete an attachment.", "DELETE", "/attachments/{id}"),
    ("volume:attachment_get", READER, "Show or list attachments.", "GET", "/attachments"),
    ("volume_extension:types_manage", ADMIN_API, "Create, update, delete volume types.",
     "POST", "/types"),
    ("volume_extension:type_get", READER, "Show a volume type.", "GET", _TYPE),
    ("volume_extension:type_get_all", READER, "List volume types.", "GET", "/types"),
    ("volume_extension:access_types_extra_specs", ADMIN_API,
     "See every extra spec of a type (others see only the user-visible ones).", "GET", _TYPE),
    ("volume_extension:access_types_qos_specs_id", ADMIN_API,
     "See qos_specs_id of a type.", "GET", _TYPE),
    ("volume_extension:types_extra_specs:index", READER, "List a type's extra specs.",
     "GET", f"{_TYPE}/extra_specs"),
    ("volume_extension:types_extra_specs:show", READER, "Show one extra spec.",
     "GET", f"{_TYPE}/extra_specs/{{key}}"),
    ("volume_extension:types_extra_specs:create", ADMIN_API, "Add extra specs.",
     "POST", f"{_TYPE}/extra_specs"),
    ("volume_extension:types_extra_specs:update", ADMIN_API, "Change an extra spec.",
     "PUT", f"{_TYPE}/extra_specs/{{key}}"),
    ("volume_extension:types_extra_specs:delete", ADMIN_API, "Delete an extra spec.",
     "DELETE", f"{_TYPE}/extra_specs/{{key}}"),
    ("volume_extension:volume_type_access", READER,
     "Show os-volume-type-access:is_public and list a type's projects.", "GET",
     f"{_TYPE}/os-volume-type-access"),
    ("volume_extension:volume_type_access:addProjectAccess", ADMIN_API,
     "Give a project access to a private type.", "POST", f"{_TYPE}/action"),
    ("volume_extension:volume_type_access:removeProjectAccess", ADMIN_API,
     "Take a project's access to a private type.", "POST", f"{_TYPE}/action"),
    ("volume_extension:quotas:show", READER, "Show a project's quotas.", "GET",
     "/os-quota-sets/{project_id}"),
    ("volume_extension:quotas:update", ADMIN_API, "Change a project's quotas.", "PUT",
     "/os-quota-sets/{project_id}"),
    ("volume_extension:quotas:delete", ADMIN_API, "Reset a project's quotas.", "DELETE",
     "/os-quota-sets/{project_id}"),
    ("limits_extension:used_limits", READER, "Show the project's limits and usage.",
     "GET", "/limits"),
    ("volume_extension:services:index", ADMIN_API, "List the services.", "GET", "/os-services"),
    ("volume_extension:services:update", ADMIN_API, "Enable or disable a service.", "PUT",
     "/os-services/{action}"),
    ("volume_extension:availability_zone_list", READER, "List availability zones.", "GET",
     "/os-availability-zone"),
    ("scheduler_extension:scheduler_stats:get_pools", ADMIN_API,
     "List the backend pools and their capabilities.", "GET", "/scheduler-stats/get_pools"),
    ("message:get", READER, "Show a user message (3.3).", "GET", "/messages/{message_id}"),
    ("message:get_all", READER, "List user messages (3.3).", "GET", "/messages"),
    ("message:delete", MEMBER, "Delete a user message (3.3).", "DELETE", "/messages/{id}"),
]  # fmt: skip

_ACTIONS = (
    "reserve", "unreserve", "begin_detaching", "roll_detaching", "initialize_connection",
    "terminate_connection", "attach", "detach", "upload_image",
)  # fmt: skip

API_RULES = [_rule(*row) for row in _TABLE] + [
    _rule(f"volume_extension:volume_actions:{name}", MEMBER, f"os-{name} of a volume.", "POST",
          _ACTION)
    for name in _ACTIONS
]  # fmt: skip

RULES: list[oslo_policy.RuleDefault] = [*BASE_RULES, *API_RULES]


def list_rules() -> list[oslo_policy.RuleDefault]:
    """Every block storage rule."""
    return list(RULES)


POLICY = policy.register_service("cinder", list_rules)
