"""A compute node's stable identity: its uuid, kept in a file under ``state_path``.

The uuid names the node in ``compute_nodes`` (and to the scheduler), so a restarted
nova-compute must report the same one, not register a second node. Like Nova, the uuid of
the host's node lives in ``<state_path>/compute_id``; a driver that serves other node
names (several fake computes in one process) keeps one file per extra node.
"""

from __future__ import annotations

import logging
import os
import uuid
from pathlib import Path

LOG = logging.getLogger(__name__)

COMPUTE_ID_FILE = "compute_id"


def node_uuid_path(state_path: str | os.PathLike, nodename: str | None = None) -> Path:
    """Where the uuid of ``nodename`` is kept (the host's own node when None)."""
    name = COMPUTE_ID_FILE if nodename is None else f"{COMPUTE_ID_FILE}.{nodename}"
    if os.sep in name or (os.altsep and os.altsep in name):
        raise ValueError(f"node name {nodename!r} cannot be used in a file name")
    return Path(state_path) / name


def read_node_uuid(path: str | os.PathLike) -> str | None:
    """The uuid stored at ``path``, or None when there is none yet.

    A file that does not hold a uuid is an operator's problem to see, not to paper over
    with a new identity: it raises ``ValueError``.
    """
    try:
        text = Path(path).read_text().strip()
    except FileNotFoundError:
        return None
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise ValueError(f"{path} does not contain a node uuid: {text[:40]!r}") from None


def get_or_create_node_uuid(state_path: str | os.PathLike, nodename: str | None = None) -> str:
    """Read the node's uuid, creating and persisting a new one the first time.

    Creation is atomic and race-free between processes (a temporary file linked into
    place only if no file exists yet), so two services starting together agree.
    """
    path = node_uuid_path(state_path, nodename)
    existing = read_node_uuid(path)
    if existing:
        return existing
    path.parent.mkdir(parents=True, exist_ok=True)
    new = str(uuid.uuid4())
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}")
    tmp.write_text(new + "\n")
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
    stored = read_node_uuid(path)
    if stored == new:
        LOG.info("Generated node identity %s in %s", new, path)
    return stored or new
