"""os-keypairs through nova-api: generate, import, list, show, delete, per-user."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from compute import crypto
from tests.unit.compute.api.resource_fakes import (  # noqa: F401  (fixture)
    ADMIN,
    ALICE,
    BOB,
    CAROL,
    api_fixture,
    fault,
)


def _public_key() -> str:
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    return key.public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    ).decode()


def _md5(public_key: str) -> str:
    digest = hashlib.md5(base64.b64decode(public_key.split()[1])).hexdigest()
    return ":".join(digest[i : i + 2] for i in range(0, 32, 2))


def test_create_generates_a_working_key_pair(api):
    resp = api.call("/os-keypairs", "POST", {"keypair": {"name": "mykey"}})
    assert resp.status_int == 200
    keypair = resp.json["keypair"]
    assert set(keypair) == {"name", "public_key", "private_key", "fingerprint", "user_id"}
    assert keypair["name"] == "mykey"
    assert keypair["user_id"] == "alice"
    assert keypair["public_key"].startswith("ssh-rsa ")
    assert keypair["fingerprint"] == _md5(keypair["public_key"])
    private = serialization.load_pem_private_key(keypair["private_key"].encode(), password=None)
    public = private.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    assert keypair["public_key"].startswith(public.decode())
    assert private.key_size == 2048


def test_import_public_key(api):
    public_key = _public_key()
    resp = api.call(
        "/os-keypairs", "POST", {"keypair": {"name": "imported", "public_key": public_key}}
    )
    assert resp.status_int == 200
    assert resp.json == {
        "keypair": {
            "name": "imported",
            "public_key": public_key,
            "fingerprint": _md5(public_key),
            "user_id": "alice",
        }
    }


def test_list_and_show(api):
    public_key = _public_key()
    api.call("/os-keypairs", "POST", {"keypair": {"name": "b", "public_key": public_key}})
    api.call("/os-keypairs", "POST", {"keypair": {"name": "a"}})
    listed = api.call("/os-keypairs").json["keypairs"]
    assert [k["keypair"]["name"] for k in listed] == ["a", "b"]
    assert listed[1] == {
        "keypair": {"name": "b", "public_key": public_key, "fingerprint": _md5(public_key)}
    }
    shown = api.call("/os-keypairs/b").json["keypair"]
    assert set(shown) == {
        "id",
        "name",
        "user_id",
        "public_key",
        "fingerprint",
        "created_at",
        "updated_at",
        "deleted",
        "deleted_at",
    }
    assert isinstance(shown["id"], int)
    assert (shown["deleted"], shown["deleted_at"], shown["updated_at"]) == (False, None, None)
    assert shown["created_at"]
    assert shown["public_key"] == public_key


def test_key_pairs_are_per_user(api):
    api.call("/os-keypairs", "POST", {"keypair": {"name": "mine"}})
    for token in (CAROL, BOB):
        assert api.call("/os-keypairs", token=token).json == {"keypairs": []}
        message = fault(api.call("/os-keypairs/mine", token=token), 404)
        assert message.startswith("Keypair mine not found for user")
        fault(api.call("/os-keypairs/mine", "DELETE", token=token), 404)
    # Another user may use the same name.
    assert (
        api.call("/os-keypairs", "POST", {"keypair": {"name": "mine"}}, token=BOB).status_int == 200
    )
    assert api.call("/os-keypairs/mine").status_int == 200


def test_delete(api):
    api.call("/os-keypairs", "POST", {"keypair": {"name": "gone"}})
    resp = api.call("/os-keypairs/gone", "DELETE")
    assert resp.status_int == 202
    assert resp.body == b""
    assert fault(api.call("/os-keypairs/gone"), 404) == "Keypair gone not found for user alice"


def test_duplicate_name_is_conflict(api):
    api.call("/os-keypairs", "POST", {"keypair": {"name": "dup"}})
    resp = api.call("/os-keypairs", "POST", {"keypair": {"name": "dup"}})
    assert fault(resp, 409) == "Key pair 'dup' already exists."


@pytest.mark.parametrize("name", ["bad!name", "dots.in.name", "ünïcode"])
def test_unsafe_names_are_refused(api, name):
    resp = api.call("/os-keypairs", "POST", {"keypair": {"name": name}})
    assert fault(resp, 400) == "Keypair data is invalid: Keypair name contains unsafe characters"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"keypair": {}}, "keypair/name"),
        ({"keypair": {"name": ""}}, "keypair/name"),
        ({"keypair": {"name": "x" * 256}}, "keypair/name"),
        ({"keypair": {"name": "k", "type": "ssh"}}, "keypair"),
        ({"keypair": {"name": "k", "public_key": 5}}, "keypair/public_key"),
        ({"name": "k"}, "keypair"),
    ],
)
def test_schema_errors(api, body, field):
    message = fault(api.call("/os-keypairs", "POST", body), 400)
    assert message.startswith(f"Invalid input for field/attribute {field}.")


def test_invalid_public_key(api):
    body = {"keypair": {"name": "k", "public_key": "ssh-rsa not-base64!"}}
    message = fault(api.call("/os-keypairs", "POST", body), 400)
    assert message == "Keypair data is invalid: failed to generate fingerprint"


def test_key_pairs_quota(api):
    assert (
        api.call(
            "/os-quota-sets/a1b2c3d4", "PUT", {"quota_set": {"key_pairs": 1}}, token=ADMIN
        ).status_int
        == 200
    )
    assert api.call("/os-keypairs", "POST", {"keypair": {"name": "one"}}).status_int == 200
    resp = api.call("/os-keypairs", "POST", {"keypair": {"name": "two"}})
    assert fault(resp, 403) == "Quota exceeded, too many key pairs."
    # The limit is per user.
    assert (
        api.call("/os-keypairs", "POST", {"keypair": {"name": "two"}}, token=CAROL).status_int
        == 200
    )


def test_crypto_fingerprints_match_ssh_keygen_style():
    private, public, fingerprint = crypto.generate_key_pair("ed25519")
    assert private.startswith("-----BEGIN OPENSSH PRIVATE KEY-----")
    assert public.endswith(" Generated-by-Nova")
    assert fingerprint == _md5(public)
    assert crypto.generate_fingerprint(public) == fingerprint
