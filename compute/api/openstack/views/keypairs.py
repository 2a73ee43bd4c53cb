"""The Compute API's key pair bodies at microversion 2.1 (no ``type`` yet)."""

from __future__ import annotations

from typing import Any


def created(keypair: Any, private_key: str | None = None) -> dict[str, Any]:
    body = {
        "name": keypair.name,
        "public_key": keypair.public_key,
        "fingerprint": keypair.fingerprint,
        "user_id": keypair.user_id,
    }
    if private_key is not None:
        body["private_key"] = private_key
    return {"keypair": body}


def listed(keypairs: list[Any]) -> dict[str, Any]:
    return {
        "keypairs": [
            {
                "keypair": {
                    "name": kp.name,
                    "public_key": kp.public_key,
                    "fingerprint": kp.fingerprint,
                }
            }
            for kp in keypairs
        ]
    }


def show(keypair: Any) -> dict[str, Any]:
    # Key pairs are deleted outright, so the soft-delete fields Nova shows are constant.
    return {
        "keypair": {
            "id": keypair.id,
            "name": keypair.name,
            "user_id": keypair.user_id,
            "public_key": keypair.public_key,
            "fingerprint": keypair.fingerprint,
            "created_at": keypair.created_at,
            "updated_at": keypair.updated_at,
            "deleted": False,
            "deleted_at": None,
        }
    }
