"""The paste file is found next to the config file, in /etc/<project> or in etc/."""

from __future__ import annotations

from pathlib import Path

import pytest

import compute.conf  # noqa: F401
from common import exception
from common.wsgi import loader
from tests.unit.common.wsgi import fakes


def test_found_in_etc():
    path = loader.find_paste_config("nova")
    assert path in (loader.REPO_ETC / "nova" / "api-paste.ini", Path("/etc/nova/api-paste.ini"))
    assert path.is_file()


def test_found_next_to_config_file(tmp_path):
    (tmp_path / "api-paste.ini").write_text(
        "[app:hello]\npaste.app_factory = compute.api.openstack.versions:root_app_factory\n"
    )
    with fakes.configured("nova", "[DEFAULT]\n", tmp_path):
        assert loader.find_paste_config("nova") == (tmp_path / "api-paste.ini").resolve()
        app = loader.load_app("hello", project="nova")
        assert fakes.call(app, "/").json["versions"]


def test_missing_absolute_path_is_config_not_found(tmp_path):
    with pytest.raises(exception.ConfigNotFound):
        loader.find_paste_config("nova", str(tmp_path / "nope.ini"))


def test_missing_relative_name_is_config_not_found():
    with pytest.raises(exception.ConfigNotFound):
        loader.find_paste_config("nova", "no-such-paste-file.ini")
