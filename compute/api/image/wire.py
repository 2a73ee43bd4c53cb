"""What every controller of the image API shares: request context, JSON bodies, results."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from common.config import CONF
from common.context import RequestContext
from common.wsgi.resource import Request
from compute.api.image import faults


@dataclasses.dataclass
class Result:
    """A controller result with its own status code and headers."""

    body: Any = None
    code: int = 200
    headers: dict[str, str] = dataclasses.field(default_factory=dict)


def context(req: Request) -> RequestContext:
    """The caller's context, set by the auth filter of the pipeline."""
    ctxt = req.context
    if ctxt is None:
        raise faults.ImageAPIError(401, "The request you have made requires authentication.")
    return ctxt


def read_json(req: Request) -> Any:
    """The JSON body of ``req`` (400 when malformed, 413 when over
    ``[wsgi] max_request_body_size``: image data is streamed, JSON is not)."""
    limit = CONF.wsgi.max_request_body_size
    if req.content_length is not None and req.content_length > limit:
        raise faults.ImageAPIError(413, "Request is too large.")
    raw = req.body_file.read(limit + 1) if req.is_body_readable else b""
    if len(raw) > limit:
        raise faults.ImageAPIError(413, "Request is too large.")
    if not raw:
        raise faults.bad_request("Request body is empty; JSON was expected.")
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise faults.bad_request("Malformed JSON in request body.") from None
