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


# -- flavors, keypairs, limits, quotas, zones, aggregates, groups, services, hypervisors ------

ADMIN_OR_KEYPAIR_OWNER = "(rule:admin_api) or user_id:%(user_id)s"


def _rule(
    name: str, check: str, doc: str, operations: list[tuple[str, str]]
) -> oslo_policy.DocumentedRuleDefault:
    return oslo_policy.DocumentedRuleDefault(
        name, check, doc, [{"method": method, "path": path} for method, path in operations]
    )


RESOURCE_RULES = [
    # flavor-manage, extra specs, access: Nova's rule names and defaults
    _rule(
        "os_compute_api:os-flavor-manage:create",
        "rule:admin_api",
        "Create a flavor.",
        [("POST", "/flavors")],
    ),
    _rule(
        "os_compute_api:os-flavor-manage:delete",
        "rule:admin_api",
        "Delete a flavor.",
        [("DELETE", "/flavors/{flavor_id}")],
    ),
    _rule(
        "os_compute_api:os-flavor-extra-specs:index",
        "rule:project_reader_api",
        "List the extra specs of a flavor.",
        [("GET", "/flavors/{flavor_id}/os-extra_specs")],
    ),
    _rule(
        "os_compute_api:os-flavor-extra-specs:show",
        "rule:project_reader_api",
        "Show one extra spec of a flavor.",
        [("GET", "/flavors/{flavor_id}/os-extra_specs/{flavor_extra_spec_key}")],
    ),
    _rule(
        "os_compute_api:os-flavor-extra-specs:create",
        "rule:admin_api",
        "Create or change extra specs of a flavor.",
        [("POST", "/flavors/{flavor_id}/os-extra_specs")],
    ),
    _rule(
        "os_compute_api:os-flavor-extra-specs:update",
        "rule:admin_api",
        "Change one extra spec of a flavor.",
        [("PUT", "/flavors/{flavor_id}/os-extra_specs/{flavor_extra_spec_key}")],
    ),
    _rule(
        "os_compute_api:os-flavor-extra-specs:delete",
        "rule:admin_api",
        "Delete one extra spec of a flavor.",
        [("DELETE", "/flavors/{flavor_id}/os-extra_specs/{flavor_extra_spec_key}")],
    ),
    _rule(
        "os_compute_api:os-flavor-access",
        "rule:admin_api",
        "List the projects that may use a private flavor.",
        [("GET", "/flavors/{flavor_id}/os-flavor-access")],
    ),
    _rule(
        "os_compute_api:os-flavor-access:add_tenant_access",
        "rule:admin_api",
        "Let a project use a private flavor.",
        [("POST", "/flavors/{flavor_id}/action (addTenantAccess)")],
    ),
    _rule(
        "os_compute_api:os-flavor-access:remove_tenant_access",
        "rule:admin_api",
        "Take a private flavor away from a project.",
        [("POST", "/flavors/{flavor_id}/action (removeTenantAccess)")],
    ),
    # key pairs belong to a user: the owner or an admin
    *(
        _rule(f"os_compute_api:os-keypairs:{name}", ADMIN_OR_KEYPAIR_OWNER, doc, [(method, path)])
        for name, method, path, doc in (
            ("index", "GET", "/os-keypairs", "List the user's key pairs."),
            ("create", "POST", "/os-keypairs", "Create or import a key pair."),
            ("show", "GET", "/os-keypairs/{keypair_name}", "Show a key pair."),
            ("delete", "DELETE", "/os-keypairs/{keypair_name}", "Delete a key pair."),
        )
    ),
    _rule("os_compute_api:limits", "@", "Show the project's limits.", [("GET", "/limits")]),
    _rule(
        "os_compute_api:limits:other_project",
        "rule:admin_api",
        "Show another project's limits (``tenant_id`` query parameter).",
        [("GET", "/limits")],
    ),
    _rule(
        "os_compute_api:os-quota-sets:show",
        "rule:project_reader_api",
        "Show a project's quotas.",
        [("GET", "/os-quota-sets/{tenant_id}")],
    ),
    _rule(
        "os_compute_api:os-quota-sets:detail",
        "rule:project_reader_api",
        "Show a project's quotas with usage.",
        [("GET", "/os-quota-sets/{tenant_id}/detail")],
    ),
    _rule(
        "os_compute_api:os-quota-sets:defaults",
        "@",
        "Show the default quotas.",
        [("GET", "/os-quota-sets/{tenant_id}/defaults")],
    ),
    _rule(
        "os_compute_api:os-quota-sets:update",
        "rule:admin_api",
        "Change a project's (or a user's) quotas.",
        [("PUT", "/os-quota-sets/{tenant_id}")],
    ),
    _rule(
        "os_compute_api:os-quota-sets:delete",
        "rule:admin_api",
        "Put a project's (or a user's) quotas back to the defaults.",
        [("DELETE", "/os-quota-sets/{tenant_id}")],
    ),
    _rule(
        "os_compute_api:os-availability-zone:list",
        "@",
        "List availability zones.",
        [("GET", "/os-availability-zone")],
    ),
    _rule(
        "os_compute_api:os-availability-zone:detail",
        "rule:admin_api",
        "List availability zones with their hosts and services.",
        [("GET", "/os-availability-zone/detail")],
    ),
    *(
        _rule(f"os_compute_api:os-aggregates:{name}", "rule:admin_api", doc, [(method, path)])
        for name, method, path, doc in (
            ("index", "GET", "/os-aggregates", "List host aggregates."),
            ("create", "POST", "/os-aggregates", "Create a host aggregate."),
            ("show", "GET", "/os-aggregates/{aggregate_id}", "Show a host aggregate."),
            ("update", "PUT", "/os-aggregates/{aggregate_id}", "Rename or re-zone an aggregate."),
            ("delete", "DELETE", "/os-aggregates/{aggregate_id}", "Delete a host aggregate."),
            (
                "add_host",
                "POST",
                "/os-aggregates/{aggregate_id}/action (add_host)",
                "Add a host to an aggregate.",
            ),
            (
                "remove_host",
                "POST",
                "/os-aggregates/{aggregate_id}/action (remove_host)",
                "Remove a host from an aggregate.",
            ),
            (
                "set_metadata",
                "POST",
                "/os-aggregates/{aggregate_id}/action (set_metadata)",
                "Set metadata of an aggregate.",
            ),
        )
    ),
    _rule(
        "os_compute_api:os-server-groups:create",
        "rule:project_member_api",
        "Create a server group.",
        [("POST", "/os-server-groups")],
    ),
    _rule(
        "os_compute_api:os-server-groups:delete",
        "rule:project_member_api",
        "Delete a server group.",
        [("DELETE", "/os-server-groups/{server_group_id}")],
    ),
    _rule(
        "os_compute_api:os-server-groups:index",
        "rule:project_reader_api",
        "List the project's server groups.",
        [("GET", "/os-server-groups")],
    ),
    _rule(
        "os_compute_api:os-server-groups:index:all_projects",
        "rule:admin_api",
        "List the server groups of every project.",
        [("GET", "/os-server-groups")],
    ),
    _rule(
        "os_compute_api:os-server-groups:show",
        "rule:project_reader_api",
        "Show a server group.",
        [("GET", "/os-server-groups/{server_group_id}")],
    ),
    _rule(
        "os_compute_api:os-services:list",
        "rule:admin_api",
        "List the services.",
        [("GET", "/os-services")],
    ),
    _rule(
        "os_compute_api:os-services:update",
        "rule:admin_api",
        "Enable or disable a service.",
        [("PUT", "/os-services/{service_id}")],
    ),
    _rule(
        "os_compute_api:os-services:delete",
        "rule:admin_api",
        "Delete a service.",
        [("DELETE", "/os-services/{service_id}")],
    ),
    *(
        _rule(f"os_compute_api:os-hypervisors:{name}", "rule:admin_api", doc, [("GET", path)])
        for name, path, doc in (
            ("list", "/os-hypervisors", "List hypervisors."),
            ("list-detail", "/os-hypervisors/detail", "List hypervisors with details."),
            ("statistics", "/os-hypervisors/statistics", "Show hypervisor statistics."),
            ("show", "/os-hypervisors/{hypervisor_id}", "Show a hypervisor."),
            ("search", "/os-hypervisors/{hypervisor_hostname_pattern}/search", "Search."),
            (
                "servers",
                "/os-hypervisors/{hypervisor_hostname_pattern}/servers",
                "List the servers of matching hypervisors.",
            ),
        )
    ),
]
RULES.extend(RESOURCE_RULES)


# -- servers, server actions, server metadata, instance actions --------------------------

SERVER_RULE_TABLE = [
    # (name, check, description, [(method, path)])
    ("os_compute_api:servers:index", "rule:project_reader_api", "List servers.",
     [("GET", "/servers")]),
    ("os_compute_api:servers:detail", "rule:project_reader_api", "List servers with details.",
     [("GET", "/servers/detail")]),
    ("os_compute_api:servers:index:get_all_tenants", "rule:admin_api",
     "List the servers of all projects.", [("GET", "/servers")]),
    ("os_compute_api:servers:detail:get_all_tenants", "rule:admin_api",
     "List the servers of all projects with details.", [("GET", "/servers/detail")]),
    ("os_compute_api:servers:allow_all_filters", "rule:admin_api",
     "Filter server lists on any attribute, not only the ones users may.",
     [("GET", "/servers"), ("GET", "/servers/detail")]),
    ("os_compute_api:servers:show", "rule:project_reader_api", "Show a server.",
     [("GET", "/servers/{server_id}")]),
    ("os_compute_api:servers:create", "rule:project_member_api", "Create a server.",
     [("POST", "/servers")]),
    ("os_compute_api:servers:create:forced_host", "rule:admin_api",
     "Create a server on a given host or node (availability_zone 'zone:host:node').",
     [("POST", "/servers")]),
    ("os_compute_api:servers:update", "rule:project_member_api", "Update a server.",
     [("PUT", "/servers/{server_id}")]),
    ("os_compute_api:servers:delete", "rule:project_member_api", "Delete a server.",
     [("DELETE", "/servers/{server_id}")]),
    ("os_compute_api:os-extended-server-attributes", "rule:admin_api",
     "See OS-EXT-SRV-ATTR:host, hypervisor_hostname and instance_name of servers.",
     [("GET", "/servers/{server_id}"), ("GET", "/servers/detail")]),
    *(
        (f"os_compute_api:servers:{name}", "rule:project_member_api", doc,
         [("POST", "/servers/{server_id}/action (" + body + ")")])
        for name, body, doc in (
            ("reboot", "reboot", "Reboot a server."),
            ("start", "os-start", "Start a server."),
            ("stop", "os-stop", "Stop a server."),
            ("rebuild", "rebuild", "Rebuild a server."),
            ("resize", "resize", "Resize a server."),
            ("confirm_resize", "confirmResize", "Confirm a server's resize."),
            ("revert_resize", "revertResize", "Revert a server's resize."),
            ("create_image", "createImage", "Create an image from a server."),
        )
    ),
    *(
        (name, check, doc, [("POST", "/servers/{server_id}/action (" + body + ")")])
        for name, check, body, doc in (
            ("os_compute_api:os-pause-server:pause", "rule:project_member_api", "pause",
             "Pause a server."),
            ("os_compute_api:os-pause-server:unpause", "rule:project_member_api", "unpause",
             "Unpause a paused server."),
            ("os_compute_api:os-suspend-server:suspend", "rule:project_member_api", "suspend",
             "Suspend a server."),
            ("os_compute_api:os-suspend-server:resume", "rule:project_member_api", "resume",
             "Resume a suspended server."),
            ("os_compute_api:os-console-output", "rule:project_member_api",
             "os-getConsoleOutput", "Show the console output of a server."),
            ("os_compute_api:os-lock-server:lock", "rule:project_member_api", "lock",
             "Lock a server: only admins may then act on it."),
            ("os_compute_api:os-lock-server:unlock", "rule:project_member_api", "unlock",
             "Unlock a server."),
            ("os_compute_api:os-lock-server:unlock:unlock_override", "rule:admin_api",
             "unlock", "Unlock a server locked by someone else (an admin)."),
            ("os_compute_api:os-deferred-delete:force", "rule:project_member_api",
             "forceDelete", "Delete a server at once."),
        )
    ),
    *(
        (f"os_compute_api:server-metadata:{name}", check, doc, [(method, path)])
        for name, check, method, path, doc in (
            ("index", "rule:project_reader_api", "GET", "/servers/{server_id}/metadata",
             "List a server's metadata."),
            ("show", "rule:project_reader_api", "GET", "/servers/{server_id}/metadata/{key}",
             "Show one metadata item of a server."),
            ("create", "rule:project_member_api", "POST", "/servers/{server_id}/metadata",
             "Add or change metadata items of a server."),
            ("update_all", "rule:project_member_api", "PUT", "/servers/{server_id}/metadata",
             "Replace all metadata of a server."),
            ("update", "rule:project_member_api", "PUT",
             "/servers/{server_id}/metadata/{key}", "Set one metadata item of a server."),
            ("delete", "rule:project_member_api", "DELETE",
             "/servers/{server_id}/metadata/{key}", "Delete one metadata item of a server."),
        )
    ),
    ("os_compute_api:os-instance-actions:list", "rule:project_reader_api",
     "List the actions done to a server.",
     [("GET", "/servers/{server_id}/os-instance-actions")]),
    ("os_compute_api:os-instance-actions:show", "rule:project_reader_api",
     "Show one action done to a server.",
     [("GET", "/servers/{server_id}/os-instance-actions/{request_id}")]),
    ("os_compute_api:os-instance-actions:events", "rule:admin_api",
     "See the events (steps, with tracebacks) of a server's action.",
     [("GET", "/servers/{server_id}/os-instance-actions/{request_id}")]),
]  # fmt: skip
SERVER_RULES = [
    oslo_policy.DocumentedRuleDefault(
        name, check, doc, [{"method": method, "path": path} for method, path in operations]
    )
    for name, check, doc, operations in SERVER_RULE_TABLE
]
RULES.extend(SERVER_RULES)
