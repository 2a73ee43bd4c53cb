"""Names cinder-volume gives a volume's and a snapshot's storage, as Cinder does.

Cinder's ``volume_name_template`` is ``volume-%s`` and ``snapshot_name_template``
``snapshot-%s``: LVs, files, iSCSI targets and target records all carry these names,
so an operator can find a volume's storage from its id.
"""

from __future__ import annotations

from typing import Any


def volume_name(volume: Any) -> str:
    """``volume.name`` when the object has one, else ``volume-<id>``."""
    name = getattr(volume, "name", None)
    return name if isinstance(name, str) and name else f"volume-{volume.id}"


def snapshot_name(snapshot: Any) -> str:
    name = getattr(snapshot, "name", None)
    return name if isinstance(name, str) and name else f"snapshot-{snapshot.id}"
