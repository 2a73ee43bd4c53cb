"""GET /image/v2/images: Glance's filters, sorting, pages and their ``next`` links."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.unit.compute.api.image.image_env import (
    ADMIN,
    ADMIN_CTX,
    ALICE,
    BOB,
    PROJECT,
    glance_error,
    make_env,
)


@pytest.fixture
def env(tmp_path):
    yield from make_env(tmp_path)


@pytest.fixture
def catalog(env):
    """Images of several owners, visibilities, sizes and tags, created in order."""
    made = {}

    def add(name, token=ALICE, data=None, **attrs):
        image = env.create(token=token, name=name, **attrs)
        if data is not None:
            assert env.upload(image["id"], data, token=token).status_int == 204
        made[name] = image["id"]
        return image

    add("cirros", token=ADMIN, data=b"c" * 100, visibility="public", tags=["os"])
    add("ubuntu", token=ADMIN, data=b"u" * 5000, visibility="public", os_distro="ubuntu")
    add("alice-snap", data=b"a" * 300, visibility="private", image_type="snapshot")
    add("alice-shared", tags=["os", "mine"])
    add("alice-hidden", os_hidden=True)
    add("bob-private", token=BOB, visibility="private")
    add("community", token=ADMIN, data=b"x", visibility="community", owner="b0b")
    # Times have whole seconds: give each image its own, in creation order, so that
    # "newest first" is well defined.
    for second, image_id in enumerate(made.values()):
        backdate(env, image_id, f"2024-05-01T12:00:{second:02d}Z")
    return made


def backdate(env, image_id, stamp):
    """Set created_at/updated_at in the store's document (``<id>.json``)."""
    path = env.store.path / f"{image_id}.json"
    record = json.loads(path.read_text())
    record["created_at"] = record["updated_at"] = stamp
    path.write_text(json.dumps(record))


def names(resp):
    assert resp.status_int == 200, resp.body
    return [image["name"] for image in resp.json["images"]]


def test_default_list_is_what_the_caller_sees_newest_first(env, catalog):
    resp = env.call("/v2/images")
    assert names(resp) == ["alice-shared", "alice-snap", "ubuntu", "cirros"]
    body = resp.json
    assert set(body) == {"images", "first", "schema"}
    assert body["first"] == "/v2/images" and body["schema"] == "/v2/schemas/images"
    assert names(env.call("/v2/images", token=BOB)) == [
        "community",
        "bob-private",
        "ubuntu",
        "cirros",
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("name=cirros", ["cirros"]),
        ('name=in:"cirros","ubuntu"', ["ubuntu", "cirros"]),
        ("status=queued", ["alice-shared"]),
        ("visibility=public", ["ubuntu", "cirros"]),
        ("visibility=private", ["alice-snap"]),
        ("visibility=community", ["community"]),
        ("visibility=all", ["community", "alice-shared", "alice-snap", "ubuntu", "cirros"]),
        (f"owner={PROJECT}", ["alice-shared", "alice-snap"]),
        ("tag=os", ["alice-shared", "cirros"]),
        ("tag=os&tag=mine", ["alice-shared"]),
        ("size_min=300", ["alice-snap", "ubuntu"]),
        ("size_max=300", ["alice-snap", "cirros"]),
        ("os_hidden=true", ["alice-hidden"]),
        ("image_type=snapshot", ["alice-snap"]),
        ("os_distro=ubuntu", ["ubuntu"]),
        ("protected=false&name=cirros", ["cirros"]),
        ("member_status=all&name=cirros", ["cirros"]),
        ("created_at=gte:2024-05-01T12:00:01Z", ["alice-shared", "alice-snap", "ubuntu"]),
        ("updated_at=lt:2024-05-01T12:00:01Z", ["cirros"]),
        ("created_at=2024-05-01T12:00:02Z", ["alice-snap"]),
        ("created_at=neq:2024-05-01T12:00:02Z&visibility=private", []),
        ("created_at=lt:2000-01-01T00:00:00Z", []),
    ],
)
def test_filters(env, catalog, query, expected):
    assert names(env.call(f"/v2/images?{query}")) == expected


def test_admin_lists_every_project(env, catalog):
    listed = names(env.call("/v2/images", token=ADMIN))
    assert {"bob-private", "alice-snap", "alice-shared", "cirros"} <= set(listed)
    assert "alice-hidden" not in listed


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("sort_key=name&sort_dir=asc", ["alice-shared", "alice-snap", "cirros", "ubuntu"]),
        ("sort_key=name", ["ubuntu", "cirros", "alice-snap", "alice-shared"]),
        ("sort=name:asc", ["alice-shared", "alice-snap", "cirros", "ubuntu"]),
        ("sort=size:desc,name:asc", ["ubuntu", "alice-snap", "cirros", "alice-shared"]),
        (
            "sort_key=status&sort_key=name&sort_dir=asc&sort_dir=desc",
            ["ubuntu", "cirros", "alice-snap", "alice-shared"],
        ),
        ("sort_key=created_at&sort_dir=asc", ["cirros", "ubuntu", "alice-snap", "alice-shared"]),
    ],
)
def test_sorting(env, catalog, query, expected):
    assert names(env.call(f"/v2/images?{query}")) == expected


def test_pages_follow_next_links_until_the_end(env, catalog):
    seen, pages = [], 0
    path = "/v2/images?limit=1&sort=name:asc"
    first = None
    while path:
        resp = env.call(path)
        body = resp.json
        first = first or body["first"]
        seen += names(resp)
        pages += 1
        path = body.get("next")
        if path:
            query = dict(parse_qsl(urlsplit(path).query))
            assert urlsplit(path).path == "/v2/images"
            assert query["limit"] == "1" and query["sort"] == "name:asc"
            assert query["marker"] == body["images"][-1]["id"]
    assert seen == ["alice-shared", "alice-snap", "cirros", "ubuntu"]
    assert pages == 4
    assert first == "/v2/images?limit=1&sort=name%3Aasc"


def test_marker_starts_after_that_image(env, catalog):
    resp = env.call(f"/v2/images?marker={catalog['alice-snap']}")
    assert names(resp) == ["ubuntu", "cirros"]
    assert "next" not in resp.json


def test_default_and_maximum_page_sizes(env):
    for index in range(27):
        env.store.create(ADMIN_CTX, {"name": f"img-{index:02d}", "visibility": "public"})
    resp = env.call("/v2/images")
    assert len(resp.json["images"]) == 25 and "next" in resp.json
    assert len(env.call("/v2/images?limit=5000").json["images"]) == 27


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("limit=x", "limit param must be an integer"),
        ("limit=-1", "limit param must be positive"),
        ("marker=no-such-image", "No image found with ID no-such-image"),
        ("sort_key=owner", "Invalid sort key: owner."),
        ("sort_dir=up", "Invalid sort direction: up"),
        ("sort=name:sideways", "Invalid sort direction: sideways"),
        ("sort=name&sort_key=id", "Old and new sorting syntax cannot be combined"),
        (
            "sort_key=name&sort_key=id&sort_dir=asc&sort_dir=asc&sort_dir=asc",
            "Number of sort dirs does not match the number of sort keys",
        ),
        ("visibility=everyone", "Invalid visibility value: everyone"),
        ("protected=maybe", "Invalid value 'maybe' for 'protected' filter."),
        ("size_min=big", "Unable to filter on a range with a non-numeric value."),
        ("created_at=around:2020-01-01T00:00:00Z", "Unable to filter on a unknown operator."),
        ("member_status=maybe", "Invalid status: maybe"),
    ],
)
def test_bad_queries_are_400(env, catalog, query, message):
    assert message in glance_error(env.call(f"/v2/images?{query}"), 400)


def test_marker_of_an_invisible_image_is_refused(env, catalog):
    resp = env.call(f"/v2/images?marker={catalog['bob-private']}")
    glance_error(resp, 400)
