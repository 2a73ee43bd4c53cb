"""``nova-manage image``: put images into the configured image service and list them.

nova-manage image import FILE --name NAME --disk-format qcow2|raw|...
    [--container-format bare] [--property KEY=VALUE ...] [--public | --visibility V]
    [--owner PROJECT] [--min-disk GB] [--min-ram MB] [--id UUID]
nova-manage image list
nova-manage image show ID
nova-manage image delete ID

The commands act as an admin of the image service (``[image] backend``): with the
local store they need only ``state_path``; with Glance, an endpoint that accepts them.
"""

from __future__ import annotations

import os
from typing import Any

import prettytable

from common.context import get_admin_context
from common.db import cli
from compute import exception
from compute.image import api as image_api
from compute.image import local


def _properties(pairs: list[str] | None) -> dict[str, str]:
    props: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise exception.Invalid(reason=f"--property wants KEY=VALUE, not {pair!r}")
        props[key] = value
    return props


def _check_format(path: str, disk_format: str) -> None:
    """Refuse a file that is obviously not what ``--disk-format`` says."""
    with open(path, "rb") as image_file:
        head = image_file.read(32)
    is_qcow2 = local.qcow2_virtual_size(head) is not None
    if disk_format == "qcow2" and not is_qcow2:
        raise exception.ImageUnacceptable(
            image_id=os.path.basename(path), reason="--disk-format qcow2 but it is not qcow2"
        )
    if disk_format == "raw" and is_qcow2:
        raise exception.ImageUnacceptable(
            image_id=os.path.basename(path), reason="--disk-format raw but it is a qcow2 image"
        )


def image_import(
    file: str,
    name: str,
    disk_format: str,
    container_format: str = "bare",
    property: list[str] | None = None,
    public: bool = False,
    visibility: str | None = None,
    owner: str | None = None,
    min_disk: int = 0,
    min_ram: int = 0,
    id: str | None = None,
) -> int:
    if not os.path.isfile(file):
        return cli.fail(f"no such file: {file}")
    _check_format(file, disk_format)
    meta: dict[str, Any] = {
        "name": name,
        "disk_format": disk_format,
        "container_format": container_format,
        "visibility": "public" if public else (visibility or "shared"),
        "min_disk": min_disk,
        "min_ram": min_ram,
        "properties": _properties(property),
    }
    if owner is not None:
        meta["owner"] = owner
    if id is not None:
        meta["id"] = id
    with open(file, "rb") as data:
        image = image_api.get_image_service().create(get_admin_context(), meta, data=data)
    _print_image(image)
    return 0


def _print_image(image: dict[str, Any]) -> None:
    table = prettytable.PrettyTable(["Property", "Value"])
    table.align = "l"
    for key in sorted(k for k in image if k != "properties"):
        table.add_row([key, image[key]])
    for key, value in sorted((image.get("properties") or {}).items()):
        table.add_row([f"properties.{key}", value])
    cli.out(table.get_string())


def image_list() -> int:
    table = prettytable.PrettyTable(
        ["ID", "Name", "Status", "Disk Format", "Size", "Visibility", "Owner"]
    )
    table.align = "l"
    images = image_api.get_image_service().detail(
        get_admin_context(), sort_key="name", sort_dir="asc"
    )
    for image in images:
        table.add_row(
            [
                image["id"],
                image.get("name") or "",
                image.get("status"),
                image.get("disk_format") or "",
                "" if image.get("size") is None else image["size"],
                image.get("visibility"),
                image.get("owner") or "",
            ]
        )
    cli.out(table.get_string())
    return 0


def image_show(id: str) -> int:
    _print_image(image_api.get_image_service().show(get_admin_context(), id))
    return 0


def image_delete(id: str) -> int:
    image_api.get_image_service().delete(get_admin_context(), id)
    cli.out(f"Image {id} deleted.")
    return 0


def add_command_parsers(subparsers: Any) -> None:
    actions = cli.add_category(subparsers, "image", "Images of the image service.")
    cli.add_action(
        actions,
        "import",
        image_import,
        "Upload an image file into the image service ([image] backend).",
        [
            (("file",), {"help": "The image file."}),
            (("--name",), {"required": True, "help": "Image name."}),
            (
                ("--disk-format",),
                {"required": True, "choices": image_api.DISK_FORMATS, "help": "Disk format."},
            ),
            (
                ("--container-format",),
                {
                    "default": "bare",
                    "choices": image_api.CONTAINER_FORMATS,
                    "help": "Container format (default: bare).",
                },
            ),
            (
                ("--property",),
                {
                    "action": "append",
                    "metavar": "KEY=VALUE",
                    "help": "An image property, e.g. hw_disk_bus=virtio (repeatable).",
                },
            ),
            (
                ("--public",),
                {"action": "store_true", "help": "Every project may use the image."},
            ),
            (
                ("--visibility",),
                {"choices": image_api.VISIBILITIES, "help": "Visibility (default: shared)."},
            ),
            (("--owner",), {"help": "Project that owns the image."}),
            (("--min-disk",), {"type": int, "default": 0, "help": "Minimum disk (GB)."}),
            (("--min-ram",), {"type": int, "default": 0, "help": "Minimum RAM (MB)."}),
            (("--id",), {"help": "Image id to use (default: a new UUID)."}),
        ],
    )
    cli.add_action(actions, "list", image_list, "List every image, by name.")
    image_id = [(("id",), {"metavar": "ID", "help": "Image id."})]
    cli.add_action(actions, "show", image_show, "Show an image.", image_id)
    cli.add_action(actions, "delete", image_delete, "Delete an image.", image_id)
