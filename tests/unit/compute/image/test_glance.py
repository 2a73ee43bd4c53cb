"""The glance client's translations: Nova's filters and metadata <-> Glance v2.

The client's HTTP behaviour is tested against a real Glance in
tests/functional/compute/test_images_glance.py; these cases pin the mapping rules.
"""

from __future__ import annotations

import pytest

import compute.conf  # noqa: F401  registers [glance]
from common.context import RequestContext
from compute.image import api, glance
from tests.unit.common.wsgi import fakes

GLANCE_DOC = {
    "id": "6ab91aa3-8f22-4eff-aa31-a97c563ffc3f",
    "name": "t1",
    "disk_format": "raw",
    "container_format": "bare",
    "visibility": "public",
    "size": 11,
    "virtual_size": 11,
    "status": "active",
    "checksum": "5eb63bbbe01eeed093cb22bb8f5acdc3",
    "protected": False,
    "min_ram": 512,
    "min_disk": 0,
    "owner": None,
    "os_hidden": False,
    "os_hash_algo": "sha512",
    "os_hash_value": "309e",
    "created_at": "2026-11-26T09:04:35Z",
    "updated_at": "2026-11-26T09:04:36Z",
    "tags": [],
    "hw_foo": "bar",
    "self": "/v2/images/6ab91aa3-8f22-4eff-aa31-a97c563ffc3f",
    "file": "/v2/images/6ab91aa3-8f22-4eff-aa31-a97c563ffc3f/file",
    "schema": "/v2/schemas/image",
    "stores": "fs",
}


def test_glance_document_becomes_the_common_shape():
    image = glance.from_glance(GLANCE_DOC)
    assert image["properties"] == {"hw_foo": "bar"}
    assert image["is_public"] is True and image["deleted"] is False
    assert image["min_ram"] == 512 and image["size"] == 11
    assert set(image) == {*api.CORE_ATTRIBUTES, "properties", "is_public", "deleted"}


def test_metadata_becomes_a_glance_create_body():
    body = glance.to_glance(
        {
            "name": "snap",
            "is_public": False,
            "size": 100,
            "status": "active",
            "min_disk": 1,
            "checksum": None,
            "properties": {"instance_uuid": "u1", "count": 3, "none": None},
            "hw_flat": "yes",
        }
    )
    assert body == {
        "name": "snap",
        "visibility": "private",
        "min_disk": 1,
        "instance_uuid": "u1",
        "count": "3",
        "hw_flat": "yes",
    }


@pytest.mark.parametrize(
    "filters, params",
    [
        ({"name": "x"}, {"name": "x"}),
        ({"status": "ACTIVE"}, {"status": "active"}),
        ({"property-image_type": "snapshot"}, {"image_type": "snapshot"}),
        ({"changes-since": "2024-01-01T00:00:00Z"}, {"updated_at": "gte:2024-01-01T00:00:00Z"}),
        ({"is_public": "true"}, {"visibility": "public"}),
        ({"is_public": "none"}, {}),
        ({"min_ram": 512, "skip": None}, {"min_ram": "512"}),
    ],
)
def test_nova_filters_become_glance_query_parameters(filters, params):
    assert glance.query_params(filters) == params


def test_endpoints_from_v3_and_v2_catalogs(tmp_path):
    catalog = [
        {"type": "compute", "endpoints": [{"interface": "public", "url": "http://nova"}]},
        {
            "type": "image",
            "endpoints": [
                {"interface": "public", "region": "R1", "url": "http://public:9292/v2/"},
                {"interface": "internal", "region": "R1", "url": "http://internal:9292"},
                {"interface": "public", "region": "R2", "url": "http://other-region:9292"},
            ],
        },
        {"type": "image", "endpoints": [{"publicURL": "http://legacy:9292", "region": "R1"}]},
    ]
    ctxt = RequestContext(service_catalog=catalog)
    with fakes.configured("nova", "[glance]\nregion_name = R1\n", tmp_path):
        assert glance.endpoints_from_catalog(ctxt) == [
            "http://internal:9292",
            "http://public:9292",
            "http://legacy:9292",
        ]
    with fakes.configured("nova", "[glance]\nvalid_interfaces = public\n", tmp_path):
        assert glance.endpoints_from_catalog(ctxt) == [
            "http://public:9292",
            "http://other-region:9292",
            "http://legacy:9292",
        ]
    assert glance.endpoints_from_catalog(RequestContext()) == []


def test_image_ids_are_quoted_into_one_path_segment():
    assert glance._image_path("a/../b?c") == "/v2/images/a%2F..%2Fb%3Fc"
