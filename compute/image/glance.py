"""A client of a real Glance v2 image API over HTTP (``[image] backend = glance``).

The endpoint comes from ``[glance] api_servers`` (tried in turn when one cannot be
reached, up to ``[glance] num_retries`` retries) or from the request's service
catalog (the ``image`` service, ``[glance] valid_interfaces``, ``[glance] region_name``).
The caller's token travels in ``X-Auth-Token`` and its request id in
``X-OpenStack-Request-ID``, so Glance's logs and policy see the same user as Nova's.

Glance's documents are translated to the shape of :mod:`compute.image.api` (every
non-core key becomes a property) and Glance's HTTP errors to ``compute.exception``s,
as Nova's own glance client does.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import quote, urlsplit

import requests

from common.config import CONF
from common.context import RequestContext
from compute import exception
from compute.image import api

LOG = logging.getLogger(__name__)

PATCH_CONTENT_TYPE = "application/openstack-images-v2.1-json-patch"
# Keys of Glance's documents that describe the API, not the image.
_API_KEYS = ("self", "file", "schema", "locations", "direct_url", "stores")
_RETRY_STATUS = (502, 503, 504)


def strip_version(url: str) -> str:
    url = url.rstrip("/")
    for suffix in ("/v2", "/v2.0", "/v1"):
        if url.endswith(suffix):
            return url[: -len(suffix)]
    return url


def endpoints_from_catalog(ctxt: RequestContext) -> list[str]:
    """Image endpoints of a Keystone v3 (or v2) service catalog, best interface first."""
    region = CONF.glance.region_name
    found: list[str] = []
    for interface in CONF.glance.valid_interfaces:
        for service in ctxt.service_catalog or []:
            if service.get("type") != "image":
                continue
            for endpoint in service.get("endpoints", []):
                if region and region not in (endpoint.get("region"), endpoint.get("region_id")):
                    continue
                url = endpoint.get("url") if endpoint.get("interface") == interface else None
                url = url or endpoint.get(f"{interface}URL")
                if url and url not in found:
                    found.append(url)
    return [strip_version(url) for url in found]


def from_glance(doc: Mapping[str, Any]) -> dict[str, Any]:
    """A Glance v2 image document in the shape of :mod:`compute.image.api`."""
    image: dict[str, Any] = {key: doc.get(key) for key in api.CORE_ATTRIBUTES}
    image["tags"] = list(doc.get("tags") or [])
    image["min_disk"] = int(doc.get("min_disk") or 0)
    image["min_ram"] = int(doc.get("min_ram") or 0)
    image["protected"] = bool(doc.get("protected"))
    image["properties"] = {
        key: value
        for key, value in doc.items()
        if key not in api.CORE_ATTRIBUTES and key not in _API_KEYS
    }
    image["is_public"] = image.get("visibility") == "public"
    image["deleted"] = image.get("status") == "deleted"
    return image


def to_glance(meta: Mapping[str, Any]) -> dict[str, Any]:
    """Caller metadata as a Glance v2 create body: core keys and string properties."""
    core, props = api.split_meta(meta)
    body = {
        key: value
        for key, value in core.items()
        if value is not None and key not in api.READ_ONLY_ATTRIBUTES
    }
    body.update({str(key): str(value) for key, value in props.items() if value is not None})
    return body


def query_params(filters: Mapping[str, Any]) -> dict[str, str]:
    """Nova's image filters as Glance v2 query parameters."""
    params: dict[str, str] = {}
    for key, value in filters.items():
        if value is None:
            continue
        if key.startswith("property-"):
            params[key[len("property-") :]] = str(value)
        elif key in ("changes-since", "changes_since"):
            params["updated_at"] = f"gte:{value}"
        elif key == "is_public":
            flag = str(value).lower()
            if flag in ("true", "1"):
                params["visibility"] = "public"
            elif flag in ("false", "0"):
                params["visibility"] = "private"
        elif key == "status":
            params["status"] = str(value).lower()
        else:
            params[key] = str(value)
    return params


class _Verifier:
    """Checks downloaded bytes against the image's os_hash_value (or md5 checksum)."""

    def __init__(self, image_id: str, image: Mapping[str, Any]) -> None:
        self.image_id = image_id
        algo, expected = image.get("os_hash_algo"), image.get("os_hash_value")
        if not (algo and expected and algo in hashlib.algorithms_available):
            algo, expected = "md5", image.get("checksum")
        self.expected = expected
        self.hasher = hashlib.new(algo or "md5", usedforsecurity=False)

    def update(self, chunk: bytes) -> None:
        self.hasher.update(chunk)

    def check(self) -> None:
        if self.expected and self.hasher.hexdigest() != self.expected:
            raise exception.ImageUnacceptable(
                image_id=self.image_id, reason="downloaded data does not match its checksum"
            )


class GlanceImageService(api.ImageService):
    """The image service interface on a Glance v2 API."""

    def __init__(self, api_servers: list[str] | None = None) -> None:
        servers = api_servers if api_servers is not None else CONF.glance.api_servers
        self.api_servers = [strip_version(url) for url in servers or []]
        self._session = requests.Session()
        self._next_server = 0

    # -- transport ---------------------------------------------------------------------

    def _endpoints(self, ctxt: RequestContext) -> list[str]:
        if self.api_servers:
            # Start where the last request left off, so load spreads over the servers.
            start = self._next_server % len(self.api_servers)
            self._next_server += 1
            return self.api_servers[start:] + self.api_servers[:start]
        found = endpoints_from_catalog(ctxt)
        if not found:
            raise exception.GlanceConnectionFailed(
                server="(none)",
                reason="no [glance] api_servers and no image endpoint in the service catalog",
            )
        return found

    @staticmethod
    def _headers(ctxt: RequestContext, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        headers = {"User-Agent": "novella-compute", "Accept": "application/json"}
        if ctxt.auth_token:
            headers["X-Auth-Token"] = ctxt.auth_token
        if ctxt.request_id:
            headers["X-OpenStack-Request-ID"] = ctxt.request_id
        headers.update(extra or {})
        return headers

    def _request(
        self,
        ctxt: RequestContext,
        method: str,
        path: str,
        image_id: str | None = None,
        retry: bool = True,
        **kwargs: Any,
    ) -> requests.Response:
        """Send one request, retrying unreachable servers; map errors to exceptions."""
        servers = self._endpoints(ctxt)
        attempts = 1 + (CONF.glance.num_retries if retry else 0)
        verify: bool | str = CONF.glance.cafile or not CONF.glance.insecure
        kwargs["headers"] = self._headers(ctxt, kwargs.get("headers"))
        last_error = ""
        for attempt in range(attempts):
            server = servers[attempt % len(servers)]
            try:
                resp = self._session.request(
                    method, server + path, timeout=CONF.glance.timeout, verify=verify, **kwargs
                )
            except (requests.ConnectionError, requests.Timeout) as error:
                last_error = str(error)
                LOG.warning(
                    "Glance %s %s on %s failed (attempt %d of %d): %s",
                    method,
                    path,
                    server,
                    attempt + 1,
                    attempts,
                    error,
                )
                continue
            if resp.status_code in _RETRY_STATUS and attempt + 1 < attempts:
                last_error = f"HTTP {resp.status_code}"
                LOG.warning("Glance %s %s on %s answered %s", method, path, server, last_error)
                resp.close()
                continue
            if resp.status_code >= 400:
                self._raise(resp, image_id)
            return resp
        raise exception.GlanceConnectionFailed(
            server=urlsplit(servers[(attempts - 1) % len(servers)]).netloc, reason=last_error
        )

    @staticmethod
    def _raise(resp: requests.Response, image_id: str | None) -> None:
        text = _error_text(resp)
        code = resp.status_code
        target = image_id or "(list)"
        if code == 404:
            raise exception.ImageNotFound(image_id=target)
        if code in (401, 403):
            raise exception.ImageNotAuthorized(image_id=target)
        if code == 409:
            raise exception.ImageDeleteConflict(reason=text)
        if code == 400:
            raise exception.ImageBadRequest(image_id=target, response=text)
        if code == 413:
            raise exception.OverQuota(overs=f"image storage ({text})")
        if code in _RETRY_STATUS:
            raise exception.GlanceConnectionFailed(
                server=urlsplit(resp.url).netloc, reason=f"HTTP {code}: {text}"
            )
        raise exception.NovellaException(f"Glance answered {code}: {text}")

    # -- the interface -----------------------------------------------------------------

    def show(self, ctxt: RequestContext, image_id: str) -> dict[str, Any]:
        if not image_id:
            raise exception.ImageNotFound(image_id=image_id)
        resp = self._request(ctxt, "GET", _image_path(image_id), image_id)
        return from_glance(resp.json())

    def detail(
        self,
        ctxt: RequestContext,
        filters: Mapping[str, Any] | None = None,
        limit: int | None = None,
        marker: str | None = None,
        sort_key: str | None = None,
        sort_dir: str | None = None,
    ) -> list[dict[str, Any]]:
        params = query_params(filters or {})
        if sort_key:
            params["sort_key"] = sort_key
        if sort_dir:
            params["sort_dir"] = sort_dir
        if marker:
            params["marker"] = marker
        if limit is not None:
            params["limit"] = str(max(int(limit), 0))
            if int(limit) <= 0:
                return []
        images: list[dict[str, Any]] = []
        path: str | None = "/v2/images"
        while path:
            try:
                resp = self._request(ctxt, "GET", path, params=params)
            except exception.ImageBadRequest as error:
                if marker and marker in error.format_message():
                    raise exception.MarkerNotFound(marker=marker) from None
                raise exception.Invalid(reason=error.kwargs.get("response", "")) from None
            page = resp.json()
            images.extend(from_glance(doc) for doc in page.get("images", []))
            if limit is not None and len(images) >= int(limit):
                return images[: int(limit)]
            # Glance pages on its own (api_limit_max); its "next" carries the query.
            path, params = page.get("next"), {}
        return images

    def create(
        self, ctxt: RequestContext, meta: Mapping[str, Any], data: Any = None
    ) -> dict[str, Any]:
        body = to_glance(meta)
        resp = self._request(ctxt, "POST", "/v2/images", body.get("id"), json=body)
        image = from_glance(resp.json())
        LOG.info("Created image %s (%s) in Glance", image["id"], image.get("name"))
        if data is not None:
            return self._upload(ctxt, image["id"], data)
        return image

    def update(
        self,
        ctxt: RequestContext,
        image_id: str,
        meta: Mapping[str, Any],
        data: Any = None,
        purge_props: bool = False,
    ) -> dict[str, Any]:
        current = self.show(ctxt, image_id)
        core, props = api.split_meta(meta)
        ops: list[dict[str, Any]] = []
        for key, value in core.items():
            if key in ("id", *api.READ_ONLY_ATTRIBUTES) or current.get(key) == value:
                continue
            ops.append({"op": "replace", "path": f"/{key}", "value": value})
        existing = current["properties"]
        for key, value in props.items():
            op = "replace" if key in existing else "add"
            ops.append({"op": op, "path": f"/{key}", "value": str(value)})
        if purge_props:
            ops.extend(
                {"op": "remove", "path": f"/{key}"}
                for key in existing
                if key not in props and not key.startswith("os_glance")
            )
        image = current
        if ops:
            resp = self._request(
                ctxt,
                "PATCH",
                _image_path(image_id),
                image_id,
                json=ops,
                headers={"Content-Type": PATCH_CONTENT_TYPE},
            )
            image = from_glance(resp.json())
        if data is not None:
            return self._upload(ctxt, image_id, data)
        return image

    def _upload(self, ctxt: RequestContext, image_id: str, data: Any) -> dict[str, Any]:
        resendable = isinstance(data, bytes | bytearray)
        self._request(
            ctxt,
            "PUT",
            _image_path(image_id) + "/file",
            image_id,
            retry=resendable,
            data=data,
            headers={"Content-Type": "application/octet-stream"},
        )
        return self.show(ctxt, image_id)

    def delete(self, ctxt: RequestContext, image_id: str) -> None:
        self._request(ctxt, "DELETE", _image_path(image_id), image_id)
        LOG.info("Deleted image %s in Glance", image_id)

    def download(
        self, ctxt: RequestContext, image_id: str, dst_path: str | None = None
    ) -> Iterator[bytes] | None:
        image = self.show(ctxt, image_id)
        if image.get("status") != "active":
            raise exception.ImageNotActive(image_id=image_id)
        resp = self._request(ctxt, "GET", _image_path(image_id) + "/file", image_id, stream=True)
        if resp.status_code == 204:
            resp.close()
            raise exception.ImageNotActive(image_id=image_id)
        chunks = _verified_chunks(resp, _Verifier(image_id, image))
        if dst_path is None:
            return chunks
        directory = os.path.dirname(os.path.abspath(dst_path))
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=directory)
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    out.write(chunk)
            os.replace(tmp, dst_path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        return None


def _image_path(image_id: str) -> str:
    return "/v2/images/" + quote(str(image_id), safe="")


def _verified_chunks(resp: requests.Response, verifier: _Verifier) -> Iterator[bytes]:
    with contextlib.closing(resp):
        for chunk in resp.iter_content(api.CHUNK_SIZE):
            verifier.update(chunk)
            yield chunk
    verifier.check()


def _error_text(resp: requests.Response) -> str:
    """Glance's error message, without the HTML around it."""
    try:
        body = resp.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        for value in body.values():
            if isinstance(value, dict) and "message" in value:
                return str(value["message"])
    text = resp.text or resp.reason or ""
    text = re.sub(r"(?is)<(head|title|h1)>.*?</\1>", " ", text)
    text = " ".join(re.sub(r"<[^>]+>", " ", text).split())
    return text[:500] or f"HTTP {resp.status_code}"
