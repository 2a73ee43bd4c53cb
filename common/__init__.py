"""Code both services share. Importing it first selects the concurrency runtime."""

from common import eventlet_runtime as _runtime

if _runtime.requested():
    _runtime.monkey_patch()
