"""Find the paste-deploy file and load an API app from it.

``[wsgi] api_paste_config`` is usually a bare name (``api-paste.ini``); it is looked up
next to the ``--config-file``s, in ``--config-dir``, in ``/etc/<project>`` and finally in
the repository's ``etc/<project>/``, so the same command works from an install and
from a checkout.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from paste import deploy

from common import exception
from common.config import CONF

LOG = logging.getLogger(__name__)

REPO_ETC = Path(__file__).resolve().parents[2] / "etc"

_PROJECT_BY_APP = {"osapi_compute": "nova", "osapi_volume": "cinder"}


def _project(name: str, project: str | None) -> str:
    if project:
        return project
    if name in _PROJECT_BY_APP:
        return _PROJECT_BY_APP[name]
    return getattr(CONF, "project", None) or "nova"


def _config_dirs() -> list[Path]:
    dirs: list[Path] = []
    try:
        files = list(CONF.config_file or [])
        config_dirs = list(CONF.config_dir or []) if hasattr(CONF, "config_dir") else []
    except Exception:  # CONF not parsed yet (unit tests, tools)
        files, config_dirs = [], []
    for config_file in files:
        dirs.append(Path(config_file).resolve().parent)
    dirs.extend(Path(d) for d in config_dirs if d)
    return dirs


def find_paste_config(project: str, paste_config: str | None = None) -> Path:
    """The paste file to use; raises :class:`common.exception.ConfigNotFound`."""
    name = paste_config or CONF.wsgi.api_paste_config
    candidate = Path(name)
    if candidate.is_absolute():
        if candidate.is_file():
            return candidate
        raise exception.ConfigNotFound(path=str(candidate))
    searched = [*_config_dirs(), Path("/etc") / project, REPO_ETC / project]
    for directory in searched:
        path = directory / name
        if path.is_file():
            return path.resolve()
    if candidate.is_file():
        return candidate.resolve()
    raise exception.ConfigNotFound(path=f"{name} (searched {', '.join(map(str, searched))})")


def load_app(name: str, paste_config: str | None = None, project: str | None = None) -> Any:
    """Load WSGI app ``name`` (e.g. ``osapi_compute``) from the service's paste file.

    Loading imports the controllers but must not open RPC connections: API servers
    load their app before forking workers.
    """
    path = find_paste_config(_project(name, project), paste_config)
    LOG.info("Loading app %s from %s", name, path)
    return deploy.loadapp(f"config:{os.fspath(path)}", name=name)
