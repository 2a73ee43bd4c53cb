"""The nova-api paste app with its /image endpoint over a local store in tmp_path."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import compute.conf  # noqa: F401  registers [api], [image], [wsgi]
from common.context import RequestContext
from compute.image import local
from tests.unit.common.wsgi import fakes

PROJECT = "4a5f0c2e9b1d"
ALICE = f"alice:{PROJECT}"
BOB = "bob:b0b"
ADMIN = "admin:admin"
ALICE_CTX = RequestContext(user_id="alice", project_id=PROJECT, roles=["member", "reader"])
ADMIN_CTX = RequestContext(user_id="admin", project_id="admin", is_admin=True, roles=["admin"])
PATCH_TYPE = "application/openstack-images-v2.1-json-patch"


class ImageEnv:
    def __init__(self, app: Any, store: local.LocalImageService) -> None:
        self.app = app
        self.store = store

    def call(
        self,
        path: str,
        method: str = "GET",
        body: Any = None,
        token: str | None = ALICE,
        raw: bytes | None = None,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ):
        return fakes.call(
            self.app,
            "/image" + path,
            method=method,
            body=body,
            token=token,
            raw=raw,
            content_type=content_type,
            headers=headers,
        )

    def patch(self, image_id: str, ops: Any, token: str = ALICE, content_type: str = PATCH_TYPE):
        return self.call(
            f"/v2/images/{image_id}",
            "PATCH",
            raw=json.dumps(ops).encode(),
            content_type=content_type,
            token=token,
        )

    def upload(self, image_id: str, data: bytes, token: str = ALICE):
        return self.call(
            f"/v2/images/{image_id}/file",
            "PUT",
            raw=data,
            content_type="application/octet-stream",
            token=token,
        )

    def create(self, token: str = ALICE, **attrs: Any) -> dict[str, Any]:
        attrs.setdefault("disk_format", "raw")
        attrs.setdefault("container_format", "bare")
        resp = self.call("/v2/images", "POST", attrs, token=token)
        assert resp.status_int == 201, resp.body
        return resp.json


def make_env(tmp_path: Path) -> Iterator[ImageEnv]:
    """The body of each test module's ``env`` fixture (``yield from make_env(tmp_path)``)."""
    config = f"[DEFAULT]\nstate_path = {tmp_path}\n[api]\nauth_strategy = noauth2\n"
    with fakes.configured("nova", config, tmp_path):
        yield ImageEnv(fakes.load("osapi_compute"), local.LocalImageService(tmp_path / "images"))


def glance_error(resp: Any, code: int) -> str:
    """The message of a Glance-shaped error body, after checking its shape."""
    assert resp.status_int == code, resp.body
    assert resp.content_type == "application/json"
    body = resp.json
    assert set(body) == {"message", "code", "title"}, body
    assert body["code"].startswith(f"{code} ") and body["code"].endswith(body["title"])
    return body["message"]
