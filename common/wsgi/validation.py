"""JSON-schema validation of request bodies, per action and microversion range.

``@schema(SERVER_CREATE, "2.1", "2.36")`` on a controller method validates the
``body`` argument before the method runs; a violation is a 400 naming the field, in
the words Nova uses ("Invalid input for field/attribute name. Value: ... . ...").
Several decorators can be stacked for different version ranges.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import jsonschema

from common import exception
from common.wsgi.microversion import APIVersionRequest

_VALIDATOR_CLASS = jsonschema.Draft4Validator


def _field_name(error: jsonschema.ValidationError) -> str:
    path = [str(part) for part in error.path]
    if error.validator == "required" and isinstance(error.instance, dict):
        # The missing property is named in the message, the path points at its parent.
        missing = [p for p in error.validator_value if p not in error.instance]
        if missing:
            path.append(missing[0])
    return "/".join(path) if path else "body"


def validate_body(request_schema: dict[str, Any], body: Any) -> None:
    """Raise :class:`common.exception.ValidationError` (400) when ``body`` violates."""
    validator = _VALIDATOR_CLASS(request_schema, format_checker=jsonschema.FormatChecker())
    error = jsonschema.exceptions.best_match(validator.iter_errors(body))
    if error is None:
        return
    raise exception.ValidationError(
        field=_field_name(error), value=error.instance, reason=error.message
    )


def schema(
    request_schema: dict[str, Any],
    min_version: str | None = None,
    max_version: str | None = None,
) -> Callable[[Callable], Callable]:
    """Validate ``body`` against ``request_schema`` for requests in the version range."""
    low = APIVersionRequest(min_version) if min_version else APIVersionRequest()
    high = APIVersionRequest(max_version) if max_version else APIVersionRequest()

    def decorator(func: Callable) -> Callable:
        @functools.wraps(func)
        def wrapper(self: Any, req: Any, *args: Any, **kwargs: Any) -> Any:
            version = getattr(req, "api_version_request", None)
            if version is None or version.matches(low, high):
                validate_body(request_schema, kwargs.get("body"))
            return func(self, req, *args, **kwargs)

        return wrapper

    return decorator
