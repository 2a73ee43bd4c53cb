"""The committed nova.conf.sample and cinder.conf.sample match the code's options.

The samples are regenerated into a temporary directory with the same script an engineer
runs (etc/generate-config-samples.sh) and compared with the committed files. Only the
blocks Novella's own namespaces produce are compared strictly: the keystonemiddleware
block documents whatever version is installed, which a fresh CI install may update.
"""

from __future__ import annotations

import difflib
import getpass
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "etc" / "generate-config-samples.sh"
PROJECTS = ("nova", "cinder")
HINT = "run etc/generate-config-samples.sh and commit the result"


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    out_dir = tmp_path_factory.mktemp("samples")
    result = subprocess.run(
        ["bash", str(SCRIPT), str(out_dir)],
        env={**os.environ, "PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"{SCRIPT} failed:\n{result.stdout}{result.stderr}"
    return out_dir


def namespace_blocks(text: str) -> dict[tuple[str, str], str]:
    """Split a sample into {(section, namespace): text} by its "# From ..." headings."""
    blocks: dict[tuple[str, str], list[str]] = {}
    section = namespace = None
    for line in text.splitlines():
        if match := re.fullmatch(r"\[(.+)\]", line):
            section, namespace = match.group(1), None
        elif match := re.fullmatch(r"# From (\S+)", line):
            namespace = match.group(1)
        elif section and namespace:
            blocks.setdefault((section, namespace), []).append(line)
    return {key: "\n".join(lines).strip("#\n") for key, lines in blocks.items()}


def own_blocks(text: str) -> dict[tuple[str, str], str]:
    return {
        key: block for key, block in namespace_blocks(text).items() if key[1].startswith("novella.")
    }


@pytest.mark.parametrize("project", PROJECTS)
def test_committed_sample_is_up_to_date(generated: Path, project: str) -> None:
    committed_path = REPO / "etc" / project / f"{project}.conf.sample"
    assert committed_path.exists(), f"{committed_path} is missing; {HINT}"
    committed = own_blocks(committed_path.read_text())
    fresh = own_blocks((generated / f"{project}.conf.sample").read_text())
    assert fresh, "the generated sample has no novella.* options at all"
    stale = sorted(set(committed) ^ set(fresh)) + sorted(
        key for key in set(committed) & set(fresh) if committed[key] != fresh[key]
    )
    if stale:
        diff = "\n".join(
            difflib.unified_diff(
                committed_path.read_text().splitlines(),
                (generated / f"{project}.conf.sample").read_text().splitlines(),
                "committed",
                "generated",
                lineterm="",
                n=1,
            )
        )
        pytest.fail(
            f"etc/{project}/{project}.conf.sample is out of date in sections "
            f"{', '.join(f'[{s}] ({n})' for s, n in stale)}; {HINT}.\n{diff[:4000]}"
        )


@pytest.mark.parametrize("project", PROJECTS)
def test_sample_does_not_depend_on_the_machine(generated: Path, project: str) -> None:
    text = (generated / f"{project}.conf.sample").read_text()
    leaks = {
        "hostname": socket.gethostname(),
        "checkout path": str(REPO),
        "home directory": str(Path.home()),
        "user name": getpass.getuser(),
        "python path": sys.prefix,
    }
    defaults = [line for line in text.splitlines() if re.match(r"#\w+ = ", line)]
    for what, value in leaks.items():
        # A whole-word match: a short hostname ("vm") is also part of ordinary words.
        pattern = re.compile(rf"(?<![\w.-]){re.escape(value)}(?![\w-])")
        found = [line for line in defaults if pattern.search(line.partition(" = ")[2])]
        assert not found, f"the sample shows this machine's {what} {value!r}: {found}"
    assert "#host = <current_hostname>" in text


@pytest.mark.parametrize(("project", "exchange"), [("nova", "nova"), ("cinder", "cinder")])
def test_sample_shows_the_services_own_exchange(
    generated: Path, project: str, exchange: str
) -> None:
    text = (generated / f"{project}.conf.sample").read_text()
    assert f"#control_exchange = {exchange}\n" in text
