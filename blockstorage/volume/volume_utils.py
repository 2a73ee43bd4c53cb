"""Small helpers the volume manager's flows share."""

from __future__ import annotations

import logging
from typing import Any

from blockstorage.volume.states import AttachStatus, VolumeStatus

LOG = logging.getLogger(__name__)


def settled_status(volume: Any) -> str:
    """The status a volume returns to after an operation: in-use when attached."""
    if getattr(volume, "attach_status", None) == AttachStatus.ATTACHED:
        return VolumeStatus.IN_USE
    return VolumeStatus.AVAILABLE


def apply_model_update(obj: Any, model_update: dict[str, Any] | None) -> None:
    """Set the fields a driver returned (``provider_location`` ...) on the object."""
    for key, value in (model_update or {}).items():
        setattr(obj, key, value)


def spec_get(request_spec: Any, key: str) -> Any:
    """A value of a request spec that may be a dict or an object (Cinder's RequestSpec)."""
    if request_spec is None:
        return None
    if isinstance(request_spec, dict):
        return request_spec.get(key)
    try:
        return getattr(request_spec, key, None)
    except Exception:  # an unset field of a versioned object
        return None


def save_quietly(obj: Any, what: str) -> None:
    """Save in a failure path: a second error must not hide the first."""
    try:
        obj.save()
    except Exception:
        LOG.exception("could not save %s", what)


def transition_quietly(volume: Any, name: str, **values: Any) -> None:
    """Take a failure transition (``states.TRANSITIONS``) without raising again."""
    try:
        if not volume.take_transition(name, **values):
            LOG.info("volume %s: %s skipped, its status is now %s", volume.id, name,
                     volume.status)  # fmt: skip
    except Exception:
        LOG.exception("could not record %s of volume %s", name, volume.id)
