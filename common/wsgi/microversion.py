"""API microversions: parse, compare, negotiate, and pick per-version handlers.

A client asks for a version with ``OpenStack-API-Version: compute 2.37`` (Nova also
accepts the legacy ``X-OpenStack-Nova-API-Version: 2.37``; Cinder ``volume 3.x``).
No header means the minimum version, ``latest`` the maximum; a version outside
``[min, max]`` is refused with 406, a malformed one with 400.  Each service states its
range once in a :class:`VersionInfo`.

Controllers declare handlers for version ranges::

    @api_version("2.1", "2.37")
    def index(self, req): ...

    @index.api_version("2.38")
    def index(self, req): ...
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import webob.exc

from common import exception

_VERSION_RE = re.compile(r"^([1-9]\d*)\.([1-9]\d*|0)$")

HEADER = "OpenStack-API-Version"


@functools.total_ordering
class APIVersionRequest:
    """A ``major.minor`` version; the null version (``APIVersionRequest()``) is falsy."""

    def __init__(self, version_string: str | None = None) -> None:
        self.major = 0
        self.minor = 0
        if version_string is not None:
            match = _VERSION_RE.match(version_string.strip())
            if not match:
                raise exception.Invalid(
                    f"API Version String {version_string} is of invalid format. Must be "
                    "of format MajorNum.MinorNum."
                )
            self.major, self.minor = int(match.group(1)), int(match.group(2))

    def is_null(self) -> bool:
        return self.major == 0 and self.minor == 0

    def __bool__(self) -> bool:
        return not self.is_null()

    def _key(self) -> tuple[int, int]:
        return (self.major, self.minor)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, APIVersionRequest):
            return NotImplemented
        return self._key() == other._key()

    def __lt__(self, other: APIVersionRequest) -> bool:
        return self._key() < other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def matches(
        self,
        min_version: APIVersionRequest | None = None,
        max_version: APIVersionRequest | None = None,
    ) -> bool:
        """True when ``min_version <= self <= max_version``; a null bound is open."""
        if min_version and self < min_version:
            return False
        if max_version and self > max_version:
            return False
        return True

    def get_string(self) -> str:
        return f"{self.major}.{self.minor}"

    def __str__(self) -> str:
        return self.get_string()

    def __repr__(self) -> str:
        return f"APIVersionRequest({self.get_string()!r})"


@dataclass(frozen=True)
class VersionInfo:
    """One service's microversion contract: its name in the header and its range."""

    service_type: str  # "compute" or "volume"
    min_version: str
    max_version: str
    legacy_headers: tuple[str, ...] = ()  # e.g. ("X-OpenStack-Nova-API-Version",)

    @property
    def min(self) -> APIVersionRequest:
        return APIVersionRequest(self.min_version)

    @property
    def max(self) -> APIVersionRequest:
        return APIVersionRequest(self.max_version)

    def requested_string(self, headers: Any) -> str | None:
        """The version string the client asked for, or None."""
        value = headers.get(HEADER)
        if value:
            for item in value.split(","):
                parts = item.strip().split(None, 1)
                if len(parts) == 2 and parts[0].lower() == self.service_type:
                    return parts[1].strip()
        for legacy in self.legacy_headers:
            value = headers.get(legacy)
            if value:
                return value.strip()
        return None

    def negotiate(self, headers: Any) -> APIVersionRequest:
        """The version this request is served at; raises 400 or 406 faults."""
        requested = self.requested_string(headers)
        if requested is None:
            return self.min
        if requested.lower() == "latest":
            return self.max
        version = APIVersionRequest(requested)
        if not version.matches(self.min, self.max):
            raise webob.exc.HTTPNotAcceptable(
                detail=f"Version {requested} is not supported by the API. Minimum is "
                f"{self.min_version} and maximum is {self.max_version}."
            )
        return version

    def response_headers(self, version: APIVersionRequest) -> dict[str, str]:
        headers = {HEADER: f"{self.service_type} {version.get_string()}"}
        for legacy in self.legacy_headers:
            headers[legacy] = version.get_string()
        headers["Vary"] = ", ".join((HEADER, *self.legacy_headers))
        return headers


class VersionedMethod:
    """A controller method with one implementation per microversion range.

    Used as a descriptor: ``controller.index`` gives a callable that picks the
    implementation for the request's version (``req.api_version_request``) and raises
    404, as Nova does, when no range contains it.
    """

    def __init__(self) -> None:
        self.variants: list[tuple[APIVersionRequest, APIVersionRequest, Callable]] = []
        self.__name__ = "versioned"
        self.__doc__ = None

    def api_version(
        self, min_version: str, max_version: str | None = None
    ) -> Callable[[Callable], VersionedMethod]:
        """Add an implementation for ``[min_version, max_version]``."""

        def register(func: Callable) -> VersionedMethod:
            low = APIVersionRequest(min_version)
            high = APIVersionRequest(max_version) if max_version else APIVersionRequest()
            self.variants.append((low, high, func))
            # Newest first, so an open-ended latest range wins over older ones.
            self.variants.sort(key=lambda v: v[0], reverse=True)
            self.__name__ = func.__name__
            self.__doc__ = self.__doc__ or func.__doc__
            for attr in ("wsgi_code", "wsgi_action"):
                if hasattr(func, attr):
                    setattr(self, attr, getattr(func, attr))
            return self

        return register

    def select(self, version: APIVersionRequest) -> Callable:
        for low, high, func in self.variants:
            if version.matches(low, high):
                return func
        raise webob.exc.HTTPNotFound(
            detail=f"API version {version.get_string()} is not supported on this method."
        )

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        return _BoundVersionedMethod(self, instance)


class _BoundVersionedMethod:
    def __init__(self, method: VersionedMethod, instance: Any) -> None:
        self._method = method
        self._instance = instance
        self.__name__ = method.__name__
        for attr in ("wsgi_code", "wsgi_action"):
            if hasattr(method, attr):
                setattr(self, attr, getattr(method, attr))

    def resolve(self, version: APIVersionRequest) -> Callable:
        return self._method.select(version).__get__(self._instance)

    def __call__(self, req: Any, *args: Any, **kwargs: Any) -> Any:
        return self.resolve(req.api_version_request)(req, *args, **kwargs)


def api_version(
    min_version: str, max_version: str | None = None
) -> Callable[[Callable], VersionedMethod]:
    """Declare the first implementation of a versioned controller method."""
    return VersionedMethod().api_version(min_version, max_version)
