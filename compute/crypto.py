"""Key pair cryptography: generate SSH key pairs, fingerprint imported public keys.

The Compute API hands a generated private key to the user exactly once and keeps only
the public half and its fingerprint.  Fingerprints follow Nova (and ``ssh-keygen -l -E
md5``): the MD5 of the key blob as colon-separated hex for SSH keys, the SHA-1 of the
DER certificate for x509 "key pairs".
"""

from __future__ import annotations

import base64
import binascii
import hashlib

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from compute import exception

KEY_TYPE_SSH = "ssh"
KEY_TYPE_X509 = "x509"
KEY_TYPES = (KEY_TYPE_SSH, KEY_TYPE_X509)

# The comment Nova leaves on the public keys it generates; users recognise it.
GENERATED_COMMENT = "Generated-by-Nova"
RSA_BITS = 2048


def _colon_hex(digest: bytes) -> str:
    return ":".join(f"{byte:02x}" for byte in digest)


def generate_key_pair(algorithm: str = "rsa", bits: int = RSA_BITS) -> tuple[str, str, str]:
    """A new SSH key pair: ``(private_key, public_key, fingerprint)``.

    RSA keys are written in the traditional PEM form every ssh client reads; ed25519
    keys only exist in OpenSSH's own private key format.
    """
    if algorithm == "rsa":
        private = rsa.generate_private_key(public_exponent=65537, key_size=bits)
        private_format = serialization.PrivateFormat.TraditionalOpenSSL
    elif algorithm == "ed25519":
        private = ed25519.Ed25519PrivateKey.generate()
        private_format = serialization.PrivateFormat.OpenSSH
    else:
        raise ValueError(f"unsupported key algorithm {algorithm!r}")
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, private_format, serialization.NoEncryption()
    ).decode("ascii")
    public = private.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    public_key = f"{public.decode('ascii')} {GENERATED_COMMENT}"
    return private_pem, public_key, generate_fingerprint(public_key)


def generate_fingerprint(public_key: str) -> str:
    """The MD5 fingerprint of an OpenSSH public key line; ``InvalidKeypair`` if it is
    not one."""
    try:
        text = public_key.strip()
        serialization.load_ssh_public_key(text.encode("utf-8"))
        blob = base64.b64decode(text.split()[1], validate=True)
    except (ValueError, IndexError, UnicodeError, binascii.Error, TypeError) as error:
        raise exception.InvalidKeypair(reason="failed to generate fingerprint") from error
    return _colon_hex(hashlib.md5(blob, usedforsecurity=False).digest())


def generate_x509_fingerprint(pem_certificate: str) -> str:
    """The SHA-1 fingerprint of a PEM certificate; ``InvalidKeypair`` if unreadable."""
    try:
        certificate = x509.load_pem_x509_certificate(pem_certificate.strip().encode("utf-8"))
    except (ValueError, UnicodeError, TypeError) as error:
        raise exception.InvalidKeypair(
            reason=f"failed to generate X509 fingerprint. Error message: {error}"
        ) from error
    # SHA-1 here is a fingerprint, as Nova shows it, not a signature.
    return _colon_hex(certificate.fingerprint(hashes.SHA1()))


def fingerprint(public_key: str, key_type: str = KEY_TYPE_SSH) -> str:
    """The fingerprint of an imported key of ``key_type`` (``ssh`` or ``x509``)."""
    if key_type == KEY_TYPE_X509:
        return generate_x509_fingerprint(public_key)
    return generate_fingerprint(public_key)
