"""Helpers for API unit tests: a parsed CONF, a loaded paste app, a webob call."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import webob

from common.config import CONF
from common.wsgi import loader
from common.wsgi import policy as policy_mod


@contextmanager
def configured(project: str, config_text: str = "", tmp_path: Path | None = None) -> Iterator[None]:
    """CONF parsed as the daemon would, from ``config_text``; restored afterwards."""
    files: list[str] = []
    if config_text:
        assert tmp_path is not None
        path = tmp_path / f"{project}.conf"
        path.write_text(config_text)
        files.append(str(path))
    args = [arg for f in files for arg in ("--config-file", f)]
    CONF(args, project=project, default_config_files=[])
    policy_mod.reset()
    try:
        yield
    finally:
        policy_mod.reset()
        CONF.reset()
        CONF.clear()


def load(name: str) -> Any:
    return loader.load_app(name)


def call(
    app: Any,
    path: str,
    method: str = "GET",
    body: Any = None,
    token: str | None = "demo:demo",
    headers: dict[str, str] | None = None,
    raw: bytes | None = None,
    content_type: str = "application/json",
) -> webob.Response:
    all_headers = dict(headers or {})
    if token is not None:
        all_headers.setdefault("X-Auth-Token", token)
    req = webob.Request.blank(path, method=method, headers=all_headers)
    if raw is not None or body is not None:
        req.body = raw if raw is not None else json.dumps(body).encode()
        req.content_type = content_type
    return req.get_response(app)


def fault(response: webob.Response) -> tuple[str, dict[str, Any]]:
    """The (name, details) of an OpenStack fault body, checking its shape."""
    assert response.content_type == "application/json", response.headers
    body = response.json
    assert isinstance(body, dict) and len(body) == 1, body
    name, details = next(iter(body.items()))
    assert details["code"] == response.status_int
    assert "Traceback" not in details["message"]
    return name, details
