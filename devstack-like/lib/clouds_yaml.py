"""Add the all-in-one cloud's entries to clouds.yaml files, keeping everything else.

Usage (by lib/clouds.sh, with the venv's Python)::

    clouds_yaml.py --compute-url http://127.0.0.1:8774/v2.1 \
        --image-url http://127.0.0.1:8774/image FILE...

Writes two clouds for nova-api's ``noauth2`` strategy, where the token names the
user and the project (``user:project``; user ``admin`` is an admin):

- ``novella``: the ``demo`` user in the ``demo`` project (role member);
- ``novella-admin``: ``admin`` in ``admin``.

keystoneauth's ``admin_token`` plugin sends that token as ``X-Auth-Token`` and takes
every service's endpoint from the ``*_endpoint_override`` keys, so no Keystone is
needed.  Other clouds and keys of an existing file are kept; an existing file that
is not a YAML mapping is left alone (exit status 1 after the others are written).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

HEADER = (
    "# Clouds of this file named novella* are rewritten by Novella's devstack-like/stack.sh;\n"
    "# other clouds are kept.  Use: openstack --os-cloud novella server list\n"
)


def cloud_entry(token: str, compute_url: str, image_url: str) -> dict[str, Any]:
    return {
        "auth_type": "admin_token",
        "auth": {"endpoint": compute_url, "token": token},
        "compute_endpoint_override": compute_url,
        "compute_api_version": "2.1",
        "image_endpoint_override": image_url,
        "image_api_version": "2",
        # There is no Keystone behind noauth2, but openstackclient builds an identity
        # v3 client for some commands (server list, server create) even when it sends
        # it nothing.  Pinning v3 on an endpoint with a discovery document lets it do
        # so without a request to Keystone; the image root is such an endpoint.
        "identity_endpoint_override": image_url,
        "identity_api_version": "3",
    }


def novella_clouds(compute_url: str, image_url: str) -> dict[str, dict[str, Any]]:
    return {
        "novella": cloud_entry("demo:demo", compute_url, image_url),
        "novella-admin": cloud_entry("admin:admin", compute_url, image_url),
    }


def merge(existing: Any, clouds: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """``existing`` (a parsed clouds.yaml, or None) with ``clouds`` set in it."""
    if existing is None:
        existing = {}
    if not isinstance(existing, dict):
        raise ValueError("not a YAML mapping")
    merged = dict(existing)
    current = merged.get("clouds") or {}
    if not isinstance(current, dict):
        raise ValueError("its 'clouds' key is not a mapping")
    merged["clouds"] = {**current, **clouds}
    return merged


def write(path: Path, clouds: dict[str, dict[str, Any]]) -> None:
    """Merge ``clouds`` into ``path`` atomically (mode 0600: it holds tokens)."""
    existing = None
    if path.exists():
        existing = yaml.safe_load(path.read_text())
    document = merge(existing, clouds)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".clouds-", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as out:
            out.write(HEADER)
            yaml.safe_dump(document, out, default_flow_style=False, sort_keys=False)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compute-url", required=True)
    parser.add_argument("--image-url", required=True)
    parser.add_argument("files", nargs="+", type=Path)
    args = parser.parse_args(argv)
    clouds = novella_clouds(args.compute_url, args.image_url)
    status = 0
    for path in args.files:
        try:
            write(path, clouds)
        except (OSError, ValueError, yaml.YAMLError) as exc:
            sys.stderr.write(f"not writing {path}: {exc}\n")
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
