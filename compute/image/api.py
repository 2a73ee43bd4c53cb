"""The image service as the rest of Nova sees it: one interface, two backends.

Callers never talk to a store directly; they ask :func:`get_image_service` for the
backend the deployment configured (``[image] backend``) and use its six methods::

    images = get_image_service()
    image = images.show(ctxt, image_ref)          # raises ImageNotFound
    for chunk in images.download(ctxt, image["id"]):
        ...

Images are plain dicts shaped like Glance v2 images, the same from every backend:

    id, name, status ('queued'|'saving'|'active'|'killed'|'deleted'|'pending_delete'
    |'deactivated'|'uploading'|'importing'), disk_format, container_format, size,
    virtual_size, min_disk, min_ram, checksum (md5 hex), os_hash_algo, os_hash_value,
    visibility ('public'|'private'|'shared'|'community'), is_public, protected, owner,
    created_at, updated_at (ISO 8601 strings, "2024-05-01T12:00:00Z"), tags (list),
    properties (dict: every other key, e.g. hw_disk_bus, instance_uuid, image_type)

so they are JSON-safe and can travel over RPC (``RequestSpec.image``) unchanged.

Visibility follows Glance: a caller sees public and community images, the images its
project owns, and everything when it is an admin; an image it may not see does not
exist for it (``ImageNotFound``), and an image it sees but does not own cannot be
changed (``ImageNotAuthorized``).
"""

from __future__ import annotations

import abc
import datetime
from collections.abc import Iterator, Mapping
from typing import Any

from common.config import CONF
from common.context import RequestContext

DISK_FORMATS = ("ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso", "ploop")
CONTAINER_FORMATS = ("ami", "ari", "aki", "bare", "ovf", "ova", "docker", "compressed")
VISIBILITIES = ("public", "private", "shared", "community")

# Glance v2 image attributes that are not "properties"; everything else a caller sets
# is an additional property and lands in ``image["properties"]``.
CORE_ATTRIBUTES = (
    "id",
    "name",
    "status",
    "disk_format",
    "container_format",
    "size",
    "virtual_size",
    "min_disk",
    "min_ram",
    "checksum",
    "os_hash_algo",
    "os_hash_value",
    "visibility",
    "protected",
    "os_hidden",
    "owner",
    "created_at",
    "updated_at",
    "tags",
)
# Attributes the image service computes; a caller cannot set them.
READ_ONLY_ATTRIBUTES = (
    "status",
    "size",
    "virtual_size",
    "checksum",
    "os_hash_algo",
    "os_hash_value",
    "created_at",
    "updated_at",
)

SORT_KEYS = (
    "created_at",
    "updated_at",
    "name",
    "id",
    "status",
    "size",
    "disk_format",
    "container_format",
    "min_disk",
    "min_ram",
)

CHUNK_SIZE = 64 * 1024


def isotime(when: datetime.datetime | None = None) -> str:
    """UTC time as Glance writes it: ``2024-05-01T12:00:00Z``."""
    when = when or datetime.datetime.now(datetime.UTC)
    return when.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_isotime(value: str) -> datetime.datetime:
    """Parse an ISO 8601 time (``Z`` or an offset; naive means UTC)."""
    parsed = datetime.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.UTC)
    return parsed


def split_meta(meta: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(core attributes, properties) of caller-given metadata.

    Metadata may carry properties flat (Glance v2 style) or under ``properties``
    (Nova's style); both end up in the properties dict.
    """
    core: dict[str, Any] = {}
    props: dict[str, Any] = dict(meta.get("properties") or {})
    for key, value in meta.items():
        if key == "properties":
            continue
        if key in CORE_ATTRIBUTES or key == "is_public":
            core[key] = value
        else:
            props[key] = value
    if "is_public" in core:
        is_public = core.pop("is_public")
        core.setdefault("visibility", "public" if is_public else "private")
    return core, props


class ImageService(abc.ABC):
    """What every image backend offers; all methods raise ``compute.exception``s."""

    @abc.abstractmethod
    def show(self, ctxt: RequestContext, image_id: str) -> dict[str, Any]:
        """The image ``image_id``; ``ImageNotFound`` when it does not exist for ctxt."""

    @abc.abstractmethod
    def detail(
        self,
        ctxt: RequestContext,
        filters: Mapping[str, Any] | None = None,
        limit: int | None = None,
        marker: str | None = None,
        sort_key: str | None = None,
        sort_dir: str | None = None,
    ) -> list[dict[str, Any]]:
        """The images visible to ctxt, newest first by default.

        ``filters`` (Nova's image filters): ``name``, ``status``, ``visibility``,
        ``owner``, ``disk_format``, ``container_format``, ``min_ram`` and ``min_disk``
        (equal to), ``changes-since`` (updated at or after, ISO 8601),
        ``property-<key>`` or any other key (an additional property equal to the value).
        ``marker`` is the id of the last image of the previous page
        (``MarkerNotFound`` when it is not visible).
        """

    @abc.abstractmethod
    def create(
        self, ctxt: RequestContext, meta: Mapping[str, Any], data: Any = None
    ) -> dict[str, Any]:
        """Register an image and, when ``data`` is given, upload it (then 'active').

        ``data``: bytes, a binary file object, or an iterable of bytes chunks.  Without
        data the image stays 'queued' (Nova's snapshot flow uploads later by update).
        """

    @abc.abstractmethod
    def update(
        self,
        ctxt: RequestContext,
        image_id: str,
        meta: Mapping[str, Any],
        data: Any = None,
        purge_props: bool = False,
    ) -> dict[str, Any]:
        """Change attributes and properties; upload ``data`` into a queued image.

        ``purge_props``: properties not named in ``meta`` are removed (Nova's image
        metadata ``PUT``); otherwise they are kept.
        """

    @abc.abstractmethod
    def delete(self, ctxt: RequestContext, image_id: str) -> None:
        """Delete the image and its data; ``ImageNotAuthorized`` when not the owner."""

    @abc.abstractmethod
    def download(
        self, ctxt: RequestContext, image_id: str, dst_path: str | None = None
    ) -> Iterator[bytes] | None:
        """The image data: written to ``dst_path`` (returns None), else as chunks."""


def get_image_service() -> ImageService:
    """The image backend configured by ``[image] backend``."""
    if CONF.image.backend == "glance":
        from compute.image import glance

        return glance.GlanceImageService()
    from compute.image import local

    return local.LocalImageService()
