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

RULES: list[oslo_policy.RuleDefault] = [*BASE_RULES]


def list_rules() -> list[oslo_policy.RuleDefault]:
    """Every block storage rule."""
    return list(RULES)


POLICY = policy.register_service("cinder", list_rules)
