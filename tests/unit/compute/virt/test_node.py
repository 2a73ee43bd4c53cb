"""A compute node's uuid is created once, kept under state_path and read back."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from compute.virt import node


def test_uuid_is_created_once_and_read_back(tmp_path):
    state_path = tmp_path / "not-yet-created"
    first = node.get_or_create_node_uuid(state_path)
    assert str(uuid.UUID(first)) == first
    assert (state_path / "compute_id").read_text().strip() == first
    assert node.get_or_create_node_uuid(state_path) == first
    assert node.read_node_uuid(state_path / "compute_id") == first


def test_an_operator_provided_uuid_is_used(tmp_path):
    chosen = "1f0e3d2c-4b5a-4678-9abc-def012345678"
    (tmp_path / "compute_id").write_text(chosen.upper() + "\n")
    assert node.get_or_create_node_uuid(tmp_path) == chosen


def test_a_corrupt_identity_file_is_not_silently_replaced(tmp_path):
    (tmp_path / "compute_id").write_text("not a uuid")
    with pytest.raises(ValueError, match="does not contain a node uuid"):
        node.get_or_create_node_uuid(tmp_path)
    assert (tmp_path / "compute_id").read_text() == "not a uuid"


def test_other_node_names_have_their_own_file(tmp_path):
    own = node.get_or_create_node_uuid(tmp_path)
    other = node.get_or_create_node_uuid(tmp_path, "compute7")
    assert own != other
    assert node.node_uuid_path(tmp_path, "compute7").name == "compute_id.compute7"
    with pytest.raises(ValueError):
        node.node_uuid_path(tmp_path, "../escape")


def test_concurrent_first_starts_agree_on_one_uuid(tmp_path):
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = set(pool.map(lambda _: node.get_or_create_node_uuid(tmp_path), range(64)))
    assert len(results) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["compute_id"]  # no temporary left
