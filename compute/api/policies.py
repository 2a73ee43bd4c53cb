"""Default policy rules of the Compute API (Nova's rule names and check strings).

Only the base rules live here for now; each API module adds its own
``DocumentedRuleDefault``s to :data:`RULES` (``os_compute_api:servers:create`` ...)
as it is implemented.  Operators override them in ``[oslo_policy] policy_file``.
"""

from __future__ import annotations

from oslo_policy import policy as oslo_policy

from common.wsgi import policy

ADMIN = "role:admin"
PROJECT_MEMBER = "role:member and project_id:%(project_id)s"
PROJECT_READER = "role:reader and project_id:%(project_id)s"

BASE_RULES = [
    oslo_policy.RuleDefault(
        "context_is_admin", ADMIN, "Decides what is required for the 'is_admin:True' check."
    ),
    oslo_policy.RuleDefault(
        "admin_or_owner",
        "is_admin:True or project_id:%(project_id)s",
        "Default rule for most non-admin APIs: an admin, or any user of the project.",
    ),
    oslo_policy.RuleDefault("admin_api", "is_admin:True", "Default rule for admin-only APIs."),
    oslo_policy.RuleDefault(
        "project_member_api",
        f"{ADMIN} or ({PROJECT_MEMBER})",
        "Project members (or admins) may change the project's resources.",
    ),
    oslo_policy.RuleDefault(
        "project_reader_api",
        f"{ADMIN} or ({PROJECT_READER})",
        "Project readers (or admins) may look at the project's resources.",
    ),
]

RULES: list[oslo_policy.RuleDefault] = [*BASE_RULES]


def list_rules() -> list[oslo_policy.RuleDefault]:
    """Every compute rule; also the ``oslo.policy.policies`` entry point shape."""
    return list(RULES)


POLICY = policy.register_service("nova", list_rules)


# -- images (the /images proxy; the image service also checks ownership) ----------------

IMAGE_RULES = [
    oslo_policy.DocumentedRuleDefault(
        f"os_compute_api:images:{name}",
        "rule:project_reader_api",
        f"{doc} (the image service shows only the images the project may see).",
        [{"method": "GET", "path": path}],
    )
    for name, path, doc in (
        ("index", "/images", "List images"),
        ("detail", "/images/detail", "List images with details"),
        ("show", "/images/{image_id}", "Show an image"),
    )
]
IMAGE_RULES.append(
    oslo_policy.DocumentedRuleDefault(
        "os_compute_api:images:delete",
        "rule:project_member_api",
        "Delete an image (the image service also requires the project to own it).",
        [{"method": "DELETE", "path": "/images/{image_id}"}],
    )
)
IMAGE_RULES.extend(
    oslo_policy.DocumentedRuleDefault(
        f"os_compute_api:image-metadata:{name}",
        rule,
        doc,
        [{"method": method, "path": path}],
    )
    for name, rule, method, path, doc in (
        (
            "index",
            "rule:project_reader_api",
            "GET",
            "/images/{image_id}/metadata",
            "List the metadata (properties) of an image.",
        ),
        (
            "show",
            "rule:project_reader_api",
            "GET",
            "/images/{image_id}/metadata/{key}",
            "Show one metadata item of an image.",
        ),
        (
            "create",
            "rule:project_member_api",
            "POST",
            "/images/{image_id}/metadata",
            "Add or change metadata items of an image the project owns.",
        ),
        (
            "update_all",
            "rule:project_member_api",
            "PUT",
            "/images/{image_id}/metadata",
            "Replace all metadata of an image the project owns.",
        ),
        (
            "update",
            "rule:project_member_api",
            "PUT",
            "/images/{image_id}/metadata/{key}",
            "Set one metadata item of an image the project owns.",
        ),
        (
            "delete",
            "rule:project_member_api",
            "DELETE",
            "/images/{image_id}/metadata/{key}",
            "Delete one metadata item of an image the project owns.",
        ),
    )
)
RULES.extend(IMAGE_RULES)
