"""The ``local`` image store: a directory of image files, one JSON document each.

Layout of ``[image] local_store_path`` (default ``$state_path/images``)::

    <id>.json      the image's metadata (the dict ``show`` returns)
    <id>.data      the image's bytes, once uploaded
    .locks/<id>    flock(2) files serialising changes to one image
    .tmp-*         files being written

Several processes (nova-api workers, nova-compute, nova-manage) use one store at
once, so every write goes to a temporary file that is renamed into place: a reader
sees the old document or the new one, never half of one.  Creating an image links
its first document into place, which fails if the id exists, so two creators of one
id cannot both win.  Changes to an existing image (update, upload, delete) hold that
image's lock for the read-modify-write.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import re
import struct
import tempfile
import uuid
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from common.config import CONF
from common.context import RequestContext
from compute import exception
from compute.image import api

LOG = logging.getLogger(__name__)

_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$")
_QCOW2_MAGIC = b"QFI\xfb"

# Filters compared with ``==`` against a core attribute (Glance v2 semantics).
_EXACT_FILTERS = (
    "id",
    "name",
    "status",
    "visibility",
    "owner",
    "disk_format",
    "container_format",
    "min_ram",
    "min_disk",
    "checksum",
    "protected",
    "os_hidden",
)


def store_path() -> Path:
    return Path(CONF.image.local_store_path or os.path.join(CONF.state_path, "images"))


def qcow2_virtual_size(head: bytes) -> int | None:
    """The guest-visible size stored in a qcow2 header (bytes 24..31), if ``head`` is one."""
    if len(head) >= 32 and head[:4] == _QCOW2_MAGIC:
        return struct.unpack(">Q", head[24:32])[0]
    return None


def _chunks(data: Any) -> Iterator[bytes]:
    if isinstance(data, bytes | bytearray | memoryview):
        yield bytes(data)
    elif hasattr(data, "read"):
        while True:
            chunk = data.read(api.CHUNK_SIZE)
            if not chunk:
                return
            yield chunk
    elif isinstance(data, Iterable):
        yield from data
    else:
        raise TypeError(f"image data must be bytes, a file or chunks, not {type(data)}")


def _as_int(value: Any) -> Any:
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


class LocalImageService(api.ImageService):
    """Images as files under one directory, shared safely by many processes."""

    def __init__(self, path: str | os.PathLike | None = None) -> None:
        self.path = Path(path) if path is not None else store_path()
        (self.path / ".locks").mkdir(parents=True, exist_ok=True)

    # -- files -----------------------------------------------------------------------

    def _meta_path(self, image_id: str) -> Path:
        return self.path / f"{image_id}.json"

    def _data_path(self, image_id: str) -> Path:
        return self.path / f"{image_id}.data"

    @contextlib.contextmanager
    def _locked(self, image_id: str) -> Iterator[None]:
        with open(self.path / ".locks" / image_id, "a+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _temp(self) -> tuple[int, str]:
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=self.path)
        # Readable by the other services' users (mkstemp creates 0600).
        os.fchmod(fd, 0o644)
        return fd, tmp

    def _write_temp(self, record: Mapping[str, Any]) -> str:
        fd, tmp = self._temp()
        with os.fdopen(fd, "w") as out:
            json.dump(record, out, indent=1, sort_keys=True)
            out.flush()
            os.fsync(out.fileno())
        return tmp

    def _replace(self, record: Mapping[str, Any]) -> None:
        tmp = self._write_temp(record)
        os.replace(tmp, self._meta_path(record["id"]))

    def _read(self, image_id: str) -> dict[str, Any] | None:
        if not isinstance(image_id, str) or not _SAFE_ID.match(image_id):
            return None
        try:
            with open(self._meta_path(image_id)) as meta:
                return json.load(meta)
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            LOG.warning("Unreadable metadata of image %s in %s", image_id, self.path)
            return None

    def _all(self) -> Iterator[dict[str, Any]]:
        for entry in self.path.glob("*.json"):
            record = self._read(entry.name[: -len(".json")])
            if record is not None:
                yield record

    # -- who may see and change what ----------------------------------------------------

    @staticmethod
    def _owns(ctxt: RequestContext, record: Mapping[str, Any]) -> bool:
        return bool(ctxt.project_id) and record.get("owner") == ctxt.project_id

    def _visible(self, ctxt: RequestContext, record: Mapping[str, Any]) -> bool:
        if ctxt.is_admin or self._owns(ctxt, record):
            return True
        return record.get("visibility") in ("public", "community")

    def _get(self, ctxt: RequestContext, image_id: str) -> dict[str, Any]:
        record = self._read(image_id)
        if record is None or not self._visible(ctxt, record):
            raise exception.ImageNotFound(image_id=image_id)
        return record

    def _check_mutable(self, ctxt: RequestContext, record: Mapping[str, Any]) -> None:
        if not (ctxt.is_admin or self._owns(ctxt, record)):
            raise exception.ImageNotAuthorized(image_id=record["id"])

    @staticmethod
    def _check_values(ctxt: RequestContext, image_id: str, core: Mapping[str, Any]) -> None:
        visibility = core.get("visibility")
        if visibility is not None and visibility not in api.VISIBILITIES:
            raise exception.ImageBadRequest(
                image_id=image_id, response=f"invalid visibility {visibility!r}"
            )
        if visibility in ("public", "community") and not ctxt.is_admin:
            raise exception.ImageNotAuthorized(image_id=image_id)
        owner = core.get("owner")
        if "owner" in core and owner != ctxt.project_id and not ctxt.is_admin:
            raise exception.ImageNotAuthorized(image_id=image_id)
        for key, allowed in (
            ("disk_format", api.DISK_FORMATS),
            ("container_format", api.CONTAINER_FORMATS),
        ):
            value = core.get(key)
            if value is not None and value not in allowed:
                raise exception.ImageBadRequest(
                    image_id=image_id, response=f"invalid {key} {value!r}"
                )
        for key in ("min_ram", "min_disk"):
            if key in core and (not isinstance(core[key], int) or core[key] < 0):
                raise exception.ImageBadRequest(
                    image_id=image_id, response=f"{key} must be a non-negative integer"
                )

    # -- the interface -----------------------------------------------------------------

    def show(self, ctxt: RequestContext, image_id: str) -> dict[str, Any]:
        return self._get(ctxt, image_id)

    def detail(
        self,
        ctxt: RequestContext,
        filters: Mapping[str, Any] | None = None,
        limit: int | None = None,
        marker: str | None = None,
        sort_key: str | None = None,
        sort_dir: str | None = None,
    ) -> list[dict[str, Any]]:
        filters = dict(filters or {})
        wanted_visibility = filters.get("visibility")
        images = [
            record
            for record in self._all()
            if self._listed(ctxt, record, wanted_visibility) and _matches(record, filters)
        ]
        images = _sorted(images, sort_key or "created_at", sort_dir or "desc")
        if marker is not None:
            ids = [record["id"] for record in images]
            if marker not in ids:
                raise exception.MarkerNotFound(marker=marker)
            images = images[ids.index(marker) + 1 :]
        if limit is not None:
            images = images[: max(int(limit), 0)]
        return images

    def _listed(self, ctxt: RequestContext, record: Mapping[str, Any], wanted: str | None) -> bool:
        # As Glance lists: community images only when asked for, others when visible.
        if record.get("visibility") == "community" and wanted != "community":
            return self._owns(ctxt, record)
        return self._visible(ctxt, record)

    def create(
        self, ctxt: RequestContext, meta: Mapping[str, Any], data: Any = None
    ) -> dict[str, Any]:
        core, props = api.split_meta(meta)
        image_id = str(core.get("id") or uuid.uuid4())
        if not _SAFE_ID.match(image_id):
            raise exception.ImageBadRequest(image_id=image_id, response="invalid image id")
        self._check_values(ctxt, image_id, core)
        now = api.isotime()
        record: dict[str, Any] = {
            "id": image_id,
            "name": core.get("name"),
            "status": "queued",
            "disk_format": core.get("disk_format"),
            "container_format": core.get("container_format"),
            "size": None,
            "virtual_size": None,
            "min_disk": int(core.get("min_disk") or 0),
            "min_ram": int(core.get("min_ram") or 0),
            "checksum": None,
            "os_hash_algo": None,
            "os_hash_value": None,
            "visibility": core.get("visibility") or "shared",
            "protected": bool(core.get("protected", False)),
            "os_hidden": bool(core.get("os_hidden", False)),
            "owner": core.get("owner", ctxt.project_id),
            "created_at": now,
            "updated_at": now,
            "tags": list(core.get("tags") or []),
            "properties": {str(k): v for k, v in props.items()},
        }
        _derive(record)
        tmp = self._write_temp(record)
        try:
            os.link(tmp, self._meta_path(image_id))
        except FileExistsError:
            raise exception.ImageExists(image_id=image_id) from None
        finally:
            os.unlink(tmp)
        LOG.info("Created image %s (%s) in %s", image_id, record["name"], self.path)
        if data is not None:
            return self._upload(ctxt, image_id, data)
        return record

    def update(
        self,
        ctxt: RequestContext,
        image_id: str,
        meta: Mapping[str, Any],
        data: Any = None,
        purge_props: bool = False,
    ) -> dict[str, Any]:
        core, props = api.split_meta(meta)
        for key in ("id", *api.READ_ONLY_ATTRIBUTES):
            core.pop(key, None)
        with self._locked(image_id):
            record = self._get(ctxt, image_id)
            self._check_mutable(ctxt, record)
            if "visibility" in core and core["visibility"] == record["visibility"]:
                del core["visibility"]
            if "owner" in core and core["owner"] == record["owner"]:
                del core["owner"]
            self._check_values(ctxt, image_id, core)
            record.update(core)
            if purge_props:
                record["properties"] = {}
            record["properties"].update({str(k): v for k, v in props.items()})
            record["updated_at"] = api.isotime()
            _derive(record)
            self._replace(record)
        if data is not None:
            return self._upload(ctxt, image_id, data)
        return record

    def _upload(self, ctxt: RequestContext, image_id: str, data: Any) -> dict[str, Any]:
        with self._locked(image_id):
            record = self._get(ctxt, image_id)
            self._check_mutable(ctxt, record)
            if record["status"] != "queued":
                raise exception.Conflict(
                    reason=f"Image {image_id} is {record['status']}: data can be uploaded "
                    "only into a queued image"
                )
            record["status"] = "saving"
            self._replace(record)
            try:
                size, md5, sha512, head = self._write_data(image_id, data)
            except BaseException:
                record["status"] = "queued"
                self._replace(record)
                raise
            record.update(
                status="active",
                size=size,
                checksum=md5,
                os_hash_algo="sha512",
                os_hash_value=sha512,
                updated_at=api.isotime(),
            )
            virtual = qcow2_virtual_size(head)
            record["virtual_size"] = virtual if virtual is not None else size
            if record.get("disk_format") == "qcow2" and virtual is None:
                LOG.warning("Image %s says qcow2 but has no qcow2 header", image_id)
            self._replace(record)
        LOG.info("Uploaded %d bytes of image %s", size, image_id)
        return record

    def _write_data(self, image_id: str, data: Any) -> tuple[int, str, str, bytes]:
        md5, sha512 = hashlib.md5(usedforsecurity=False), hashlib.sha512()
        size, head = 0, b""
        fd, tmp = self._temp()
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in _chunks(data):
                    if len(head) < 32:
                        head += chunk[: 32 - len(head)]
                    md5.update(chunk)
                    sha512.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, self._data_path(image_id))
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        return size, md5.hexdigest(), sha512.hexdigest(), head

    def delete(self, ctxt: RequestContext, image_id: str) -> None:
        with self._locked(image_id):
            record = self._get(ctxt, image_id)
            self._check_mutable(ctxt, record)
            if record.get("protected"):
                raise exception.ImageNotAuthorized(image_id=image_id)
            # The document goes first: from then on the image does not exist for
            # anyone, even if removing the data fails.
            os.unlink(self._meta_path(image_id))
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._data_path(image_id))
        LOG.info("Deleted image %s", image_id)

    def download(
        self, ctxt: RequestContext, image_id: str, dst_path: str | None = None
    ) -> Iterator[bytes] | None:
        record = self._get(ctxt, image_id)
        if record["status"] != "active":
            raise exception.ImageNotActive(image_id=image_id)
        try:
            source = open(self._data_path(image_id), "rb")  # noqa: SIM115 (closed below)
        except FileNotFoundError:
            raise exception.ImageNotFound(image_id=image_id) from None
        if dst_path is None:
            return _read_chunks(source)
        with source:
            directory = os.path.dirname(os.path.abspath(dst_path))
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=directory)
            try:
                with os.fdopen(fd, "wb") as out:
                    for chunk in _read_chunks(source):
                        out.write(chunk)
                os.replace(tmp, dst_path)
            except BaseException:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp)
                raise
        return None


def _read_chunks(source: Any) -> Iterator[bytes]:
    with source:
        while True:
            chunk = source.read(api.CHUNK_SIZE)
            if not chunk:
                return
            yield chunk


def _derive(record: dict[str, Any]) -> None:
    record["is_public"] = record.get("visibility") == "public"
    record["deleted"] = False


def _matches(record: Mapping[str, Any], filters: Mapping[str, Any]) -> bool:
    for key, wanted in filters.items():
        if wanted is None:
            continue
        if key in _EXACT_FILTERS:
            value = record.get(key)
            if key in ("min_ram", "min_disk"):
                if _as_int(value) != _as_int(wanted):
                    return False
            elif isinstance(value, bool):
                if str(value).lower() != str(wanted).lower():
                    return False
            elif value != wanted:
                return False
        elif key in ("changes-since", "changes_since"):
            updated = record.get("updated_at")
            if updated is None or api.parse_isotime(updated) < api.parse_isotime(str(wanted)):
                return False
        elif key == "tag":
            if wanted not in (record.get("tags") or []):
                return False
        else:
            name = key[len("property-") :] if key.startswith("property-") else key
            if str((record.get("properties") or {}).get(name)) != str(wanted):
                return False
    return True


def _sorted(images: list[dict[str, Any]], sort_key: str, sort_dir: str) -> list[dict[str, Any]]:
    if sort_key not in api.SORT_KEYS:
        raise exception.Invalid(reason=f"Unsupported sort_key {sort_key!r}")
    if sort_dir not in ("asc", "desc"):
        raise exception.Invalid(reason=f"Unsupported sort_dir {sort_dir!r}")

    def key(record: Mapping[str, Any]) -> tuple[bool, Any, str]:
        value = record.get(sort_key)
        return (value is not None, value if value is not None else 0, record["id"])

    return sorted(images, key=key, reverse=sort_dir == "desc")
