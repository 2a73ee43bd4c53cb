"""The Compute API's server group bodies at microversion 2.1: ``policies`` as a list,
no ``user_id``/``project_id`` (2.13) and an always empty ``metadata``."""

from __future__ import annotations

from typing import Any


def server_group(group: Any, members: list[str]) -> dict[str, Any]:
    return {
        "id": group.uuid,
        "name": group.name,
        "policies": [group.policy] if group.policy else [],
        "members": members,
        "metadata": {},
    }


def show(group: Any, members: list[str]) -> dict[str, Any]:
    return {"server_group": server_group(group, members)}
