"""Shared fixtures of the e2e tier: a real libvirtd and the Novella test guest.

Fixtures
--------
``libvirtd`` (session) -> str
    The libvirt URI to use (``qemu:///system``, or ``$NOVELLA_E2E_LIBVIRT_URI``). When
    nothing answers on it, starts ``virtlogd -d`` and ``libvirtd -d`` as HOST-NOTES.md
    says (there is no systemd here) and waits for the socket. A daemon it started is left
    running, as run_tests.sh leaves RabbitMQ: other test sessions on the machine may be
    using it by then. Missing packages fail the test with the package names; no skip.

``guest_image`` (session) -> GuestImage
    The guest of devstack-like/tools/build-guest-image.sh (kernel, initramfs, raw ext2
    disk), built once per session into ``$NOVELLA_E2E_CACHE/guest-image`` (default
    /var/tmp/novella-e2e). The script is a no-op when its inputs did not change, so the
    cache survives across runs; ``GuestImage.built`` says whether this session rebuilt.

``e2e_run_dir`` (function) -> pathlib.Path
    A fresh directory for one test's domain files (overlays, console log), removed
    afterwards. It lives under the cache dir, not pytest's tmp_path, because QEMU runs
    as ``libvirt-qemu`` and must be able to traverse to the files (pytest's base temp dir
    is 0700).

Helpers (import them: ``from tests.e2e.conftest import wait_for_console``)
----------------------------------------------------------------------
``virsh(uri, *args)``, ``wait_for_console(path, regex, timeout)``,
``wait_for_domain_gone(uri, name, timeout)``, ``domain_exists(uri, name)``.

The guest prints ``NOVELLA-*`` markers on its serial console; see
devstack-like/tools/guest/rcS for the list and the kernel command line options.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUILD_SCRIPT = REPO / "devstack-like" / "tools" / "build-guest-image.sh"
CACHE_DIR = Path(os.environ.get("NOVELLA_E2E_CACHE", "/var/tmp/novella-e2e"))
LIBVIRT_URI = os.environ.get("NOVELLA_E2E_LIBVIRT_URI", "qemu:///system")
LIBVIRT_SOCKET = Path("/var/run/libvirt/libvirt-sock")
LIBVIRTD_START_TIMEOUT = 30.0
GUEST_PACKAGES = (
    "libvirt-daemon-system libvirt-clients qemu-system-x86 qemu-utils "
    "linux-image-cloud-amd64 busybox-static dropbear-bin cpio"
)


def virsh(
    uri: str, *args: str, check: bool = True, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run ``virsh -c URI ARGS`` and return the completed process (text output)."""
    result = subprocess.run(
        ["virsh", "-q", "-c", uri, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"virsh {' '.join(args)} exited {result.returncode}: {result.stderr.strip()}"
        )
    return result


def domain_exists(uri: str, name: str) -> bool:
    return virsh(uri, "domstate", name, check=False).returncode == 0


def wait_for_domain_gone(uri: str, name: str, timeout: float) -> float:
    """Wait until a transient domain no longer exists (it powered off); return seconds."""
    started = time.monotonic()
    while domain_exists(uri, name):
        if time.monotonic() - started > timeout:
            raise AssertionError(f"domain {name} still exists after {timeout:.0f}s")
        time.sleep(0.5)
    return time.monotonic() - started


def wait_for_console(path: Path, regex: str, timeout: float) -> re.Match[str]:
    """Poll a serial console log until ``regex`` matches; the match, or AssertionError
    with the log's tail so a failing boot explains itself."""
    pattern = re.compile(regex)
    deadline = time.monotonic() + timeout
    text = ""
    while True:
        try:
            text = path.read_text(errors="replace")
        except FileNotFoundError:
            text = ""
        match = pattern.search(text)
        if match:
            return match
        if time.monotonic() > deadline:
            tail = "\n".join(text.splitlines()[-25:])
            raise AssertionError(
                f"no {regex!r} on the console {path} after {timeout:.0f}s; tail:\n{tail}"
            )
        time.sleep(0.25)


def _libvirt_answers(uri: str) -> bool:
    try:
        return virsh(uri, "version", check=False, timeout=15).returncode == 0
    except subprocess.TimeoutExpired:
        return False


@pytest.fixture(scope="session")
def libvirtd() -> str:
    uri = LIBVIRT_URI
    if _libvirt_answers(uri):
        return uri
    for tool in ("virsh", "libvirtd", "virtlogd", "qemu-system-x86_64"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} not found: install {GUEST_PACKAGES} (./run_tests.sh does)")
    if not uri.startswith("qemu:///"):
        pytest.fail(f"nothing answers on {uri} and it is not a local qemu URI to start")
    if subprocess.run(["pgrep", "-x", "virtlogd"], capture_output=True).returncode != 0:
        subprocess.run(["virtlogd", "-d"], check=True, timeout=30)
    if subprocess.run(["pgrep", "-x", "libvirtd"], capture_output=True).returncode != 0:
        subprocess.run(["libvirtd", "-d"], check=True, timeout=30)
    deadline = time.monotonic() + LIBVIRTD_START_TIMEOUT
    while not (LIBVIRT_SOCKET.exists() and _libvirt_answers(uri)):
        if time.monotonic() > deadline:
            pytest.fail(f"libvirtd started but {uri} does not answer after 30s")
        time.sleep(0.5)
    return uri


@dataclass(frozen=True)
class GuestImage:
    """The built guest: EC2-style kernel (AKI), ramdisk (ARI) and raw disk (AMI)."""

    kernel: Path
    ramdisk: Path
    disk: Path
    kernel_version: str
    build_hash: str
    built: bool
    build_seconds: float
    manifest: dict[str, str] = field(default_factory=dict)


def parse_manifest(text: str) -> dict[str, str]:
    """The ``key=value`` lines build-guest-image.sh prints and keeps in ``manifest``."""
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


def build_guest_image(output: Path, *extra: str) -> tuple[dict[str, str], str, float]:
    """Run the build script; (manifest, its stderr, seconds)."""
    started = time.monotonic()
    result = subprocess.run(
        [str(BUILD_SCRIPT), "-o", str(output), *extra],
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    elapsed = time.monotonic() - started
    if result.returncode != 0:
        raise AssertionError(f"build-guest-image.sh failed:\n{result.stderr}")
    return parse_manifest(result.stdout), result.stderr, elapsed


@pytest.fixture(scope="session")
def guest_image() -> GuestImage:
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    CACHE_DIR.chmod(0o755)
    manifest, log, elapsed = build_guest_image(CACHE_DIR / "guest-image")
    return GuestImage(
        kernel=Path(manifest["kernel"]),
        ramdisk=Path(manifest["ramdisk"]),
        disk=Path(manifest["disk"]),
        kernel_version=manifest["kernel_version"],
        build_hash=manifest["build_hash"],
        built="up to date" not in log,
        build_seconds=elapsed,
        manifest=manifest,
    )


@pytest.fixture
def e2e_run_dir() -> Iterator[Path]:
    runs = CACHE_DIR / "run"
    runs.mkdir(parents=True, exist_ok=True)
    for directory in (CACHE_DIR, runs):
        directory.chmod(0o755)
    path = Path(tempfile.mkdtemp(prefix="test-", dir=runs))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)
