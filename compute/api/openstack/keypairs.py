"""``/os-keypairs``: a user's SSH key pairs (Nova at microversion 2.1).

A key pair belongs to a user, not a project: another user's key pair is 404.  Creating
one without ``public_key`` generates an RSA key and answers its private half once;
with ``public_key`` it imports it after checking it parses.  Each user may hold
``[quota] key_pairs`` of them.
"""

from __future__ import annotations

import string
from typing import Any

import webob.exc

from common.wsgi import policy, validation
from common.wsgi.resource import Controller, Request, response
from compute import crypto, exception, objects
from compute.api.openstack.schemas import keypairs as schema
from compute.api.openstack.views import keypairs as views

RULE = "os_compute_api:os-keypairs:%s"
SAFE_NAME_CHARS = frozenset("_- " + string.digits + string.ascii_letters)


def _authorize(context: Any, name: str, user_id: str) -> None:
    policy.authorize(context, RULE % name, {"user_id": user_id, "project_id": context.project_id})


def validate_new_key_pair(context: Any, user_id: str, name: str) -> None:
    """Nova's checks before a key pair is made: safe name, then the user's quota."""
    if any(ch not in SAFE_NAME_CHARS for ch in name):
        raise exception.InvalidKeypair(reason="Keypair name contains unsafe characters")
    if not 1 <= len(name) <= 255:
        raise exception.InvalidKeypair(
            reason="Keypair name must be string and between 1 and 255 characters long"
        )
    try:
        objects.Quotas.check_deltas(context, {"key_pairs": 1}, context.project_id, user_id)
    except exception.OverQuota:
        raise webob.exc.HTTPForbidden(detail="Quota exceeded, too many key pairs.") from None


class KeypairController(Controller):
    @validation.schema(schema.create)
    def create(self, req: Request, body: dict[str, Any]) -> dict[str, Any]:
        context = req.context
        user_id = context.user_id
        _authorize(context, "create", user_id)
        params = body["keypair"]
        name = params["name"]
        validate_new_key_pair(context, user_id, name)
        private_key = None
        if "public_key" in params:
            public_key = params["public_key"]
            fingerprint = crypto.fingerprint(public_key, crypto.KEY_TYPE_SSH)
        else:
            private_key, public_key, fingerprint = crypto.generate_key_pair()
        keypair = objects.KeyPair(
            context=context,
            user_id=user_id,
            name=name,
            type=crypto.KEY_TYPE_SSH,
            public_key=public_key,
            fingerprint=fingerprint,
        )
        keypair.create()  # KeyPairExists -> 409
        return views.created(keypair, private_key)

    def index(self, req: Request) -> dict[str, Any]:
        context = req.context
        _authorize(context, "index", context.user_id)
        return views.listed(list(objects.KeyPairList.get_by_user(context, context.user_id)))

    def show(self, req: Request, id: str) -> dict[str, Any]:
        context = req.context
        _authorize(context, "show", context.user_id)
        return views.show(objects.KeyPair.get_by_name(context, context.user_id, id))

    @response(202)
    def delete(self, req: Request, id: str) -> None:
        context = req.context
        _authorize(context, "delete", context.user_id)
        objects.KeyPair.destroy_by_name(context, context.user_id, id)
