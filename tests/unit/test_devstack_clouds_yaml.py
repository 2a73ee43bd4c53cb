"""devstack-like/lib/clouds_yaml.py: the clouds stack.sh adds, merged without clobbering."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import yaml

SCRIPT = Path(__file__).resolve().parents[2] / "devstack-like" / "lib" / "clouds_yaml.py"
COMPUTE = "http://192.0.2.10:8774/v2.1"
IMAGE = "http://192.0.2.10:8774/image"


@pytest.fixture(scope="module")
def clouds_yaml():
    spec = importlib.util.spec_from_file_location("clouds_yaml", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(clouds_yaml, *files: Path) -> int:
    return clouds_yaml.main(["--compute-url", COMPUTE, "--image-url", IMAGE, *map(str, files)])


def test_new_file_has_both_clouds_for_noauth2(clouds_yaml, tmp_path):
    target = tmp_path / "config" / "openstack" / "clouds.yaml"
    assert run(clouds_yaml, target) == 0
    clouds = yaml.safe_load(target.read_text())["clouds"]
    assert set(clouds) == {"novella", "novella-admin"}
    demo, admin = clouds["novella"], clouds["novella-admin"]
    assert demo["auth_type"] == "admin_token"
    assert demo["auth"] == {"endpoint": COMPUTE, "token": "demo:demo"}
    assert admin["auth"]["token"] == "admin:admin"
    assert demo["compute_endpoint_override"] == COMPUTE
    assert demo["image_endpoint_override"] == IMAGE
    assert demo["compute_api_version"] == "2.1" and demo["identity_api_version"] == "3"
    assert target.stat().st_mode & 0o777 == 0o600


def test_other_clouds_and_keys_are_kept_and_ours_replaced(clouds_yaml, tmp_path):
    target = tmp_path / "clouds.yaml"
    target.write_text(
        "clouds:\n"
        "  prod:\n    auth:\n      auth_url: https://keystone.example/v3\n"
        "  novella:\n    auth_type: password\n"
        "ansible:\n  use_hostnames: true\n"
    )
    assert run(clouds_yaml, target) == 0
    document = yaml.safe_load(target.read_text())
    assert document["ansible"] == {"use_hostnames": True}
    assert document["clouds"]["prod"] == {"auth": {"auth_url": "https://keystone.example/v3"}}
    assert document["clouds"]["novella"]["auth_type"] == "admin_token"
    # A second run changes nothing.
    before = target.read_text()
    assert run(clouds_yaml, target) == 0
    assert target.read_text() == before


def test_a_file_that_is_not_a_mapping_is_left_alone(clouds_yaml, tmp_path, capsys):
    broken = tmp_path / "broken.yaml"
    broken.write_text("- just\n- a list\n")
    good = tmp_path / "good.yaml"
    assert run(clouds_yaml, broken, good) == 1
    assert broken.read_text() == "- just\n- a list\n"
    assert "novella" in yaml.safe_load(good.read_text())["clouds"]
    assert "not writing" in capsys.readouterr().err
