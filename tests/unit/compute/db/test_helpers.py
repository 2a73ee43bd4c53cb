"""Sorting rules of the nova DB API (no database needed)."""

from __future__ import annotations

import pytest

from common import exception as common_exc
from compute import exception
from compute.db import helpers, models


def test_default_keys_are_appended_with_the_first_direction():
    assert helpers.process_sort_params(None, None) == (["created_at", "id"], ["desc", "desc"])
    assert helpers.process_sort_params(["display_name"], ["asc"]) == (
        ["display_name", "created_at", "id"],
        ["asc", "asc", "asc"],
    )
    assert helpers.process_sort_params(["id", "host"], ["asc"]) == (
        ["id", "host", "created_at"],
        ["asc", "asc", "asc"],
    )


def test_bad_directions_are_refused():
    with pytest.raises(common_exc.Invalid):
        helpers.process_sort_params(["id"], ["up"])
    with pytest.raises(common_exc.Invalid):
        helpers.process_sort_params(["id"], ["asc", "desc"])


def test_unknown_sort_key_is_refused():
    import sqlalchemy as sa

    with pytest.raises(exception.InvalidSortKey):
        helpers.paginate(sa.select(models.Instance), models.Instance, ["no_such"], ["asc"])
