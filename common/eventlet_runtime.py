"""The opt-in eventlet runtime (DESIGN §5).

Native threads are the default. An operator who wants the seed's green-thread model sets
``NOVELLA_EVENTLET=1`` in the daemon's environment; the patching must happen before any
other module creates a thread, socket or lock, which is why the check lives in
``common/__init__.py`` and runs on the first import of any Novella package.
"""

from __future__ import annotations

import os
import warnings

ENV_VAR = "NOVELLA_EVENTLET"


def requested() -> bool:
    return os.environ.get(ENV_VAR, "").strip().lower() in ("1", "true", "yes", "on")


def monkey_patch() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import eventlet

    eventlet.monkey_patch()


def active() -> bool:
    """Whether this process runs on green threads (for logs and tests)."""
    try:
        import eventlet.patcher
    except ImportError:
        return False
    return bool(eventlet.patcher.is_monkey_patched("thread"))
