"""The request context: who is asking, for which project, under which request id.

It travels with every RPC message (as a dict) so that logs on every daemon carry the
same request id and every layer can enforce tenant isolation.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from typing import Any


def generate_request_id() -> str:
    return "req-" + str(uuid.uuid4())


@dataclass
class RequestContext:
    user_id: str | None = None
    project_id: str | None = None
    roles: list[str] = field(default_factory=list)
    is_admin: bool = False
    request_id: str = field(default_factory=generate_request_id)
    auth_token: str | None = None
    read_deleted: str = "no"
    user_name: str | None = None
    project_name: str | None = None
    remote_address: str | None = None
    service_catalog: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.is_admin and "admin" in [r.lower() for r in self.roles]:
            self.is_admin = True

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> RequestContext:
        known = {k: v for k, v in values.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def elevated(self, read_deleted: str | None = None) -> RequestContext:
        """A copy with admin rights, for internal work done on behalf of a request."""
        ctxt = RequestContext.from_dict(self.to_dict())
        ctxt.is_admin = True
        if "admin" not in ctxt.roles:
            ctxt.roles = [*ctxt.roles, "admin"]
        if read_deleted is not None:
            ctxt.read_deleted = read_deleted
        return ctxt

    def to_policy_values(self) -> dict[str, Any]:
        """Credentials in the shape oslo.policy rules expect."""
        return {
            "user_id": self.user_id,
            "project_id": self.project_id,
            "roles": list(self.roles),
            "is_admin": self.is_admin,
        }


def get_admin_context(read_deleted: str = "no") -> RequestContext:
    """A context for the services' own work (heartbeats, periodic tasks)."""
    return RequestContext(is_admin=True, roles=["admin"], read_deleted=read_deleted)
