"""A real Keystone (from PyPI) on 127.0.0.1 for tests of the ``keystone`` auth path.

Keystone pins most of oslo and Flask, so it does not go into the project's venv:
:func:`ensure_keystone` installs it once into a venv of its own under /tmp
(``NOVELLA_KEYSTONE_VENV`` to choose another place, ``NOVELLA_KEYSTONE_VERSION`` for
another release), reused by later runs, with a file lock so parallel runs install it
once.  The same lock guards a *seed*: a database that ``keystone-manage db_sync`` and
``bootstrap`` filled, with its fernet and credential keys.  Each server copies the
seed, so the ~15 s of keystone-manage runs once per venv, not once per test session.
When Keystone cannot be installed the test fails with pip's message: a test that needs
Keystone never passes without one.

:class:`KeystoneServer` serves ``keystone.wsgi.api:application`` with waitress on
SQLite at 127.0.0.1:5000 (the port clients expect; another free port when 5000 is
taken), then creates what a devstack-like cloud has: ``admin`` (password ``admin``) in
project ``admin``, ``demo`` (member, reader) in ``demo``, ``alt_demo`` (member, reader)
in ``alt_demo``, and the ``nova`` service user (admin, service) in ``service`` that
keystonemiddleware authenticates as.  Catalog entries for nova-api are added by the
test that knows its URL (:meth:`KeystoneServer.register_nova_api`).
"""

from __future__ import annotations

import fcntl
import grp
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests

KEYSTONE_VERSION = os.environ.get("NOVELLA_KEYSTONE_VERSION", "30.0.0")
VENV = Path(
    os.environ.get(
        "NOVELLA_KEYSTONE_VENV",
        f"/tmp/novella-keystone-{KEYSTONE_VERSION}-py{sys.version_info[0]}{sys.version_info[1]}",
    )
)
INSTALL_TIMEOUT = 540
PREFERRED_PORT = 5000
REGION = "RegionOne"
DOMAIN = "Default"

# user -> (password, project, roles in that project)
USERS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "admin": ("admin", "admin", ("admin",)),
    "demo": ("demo-secret", "demo", ("member", "reader")),
    "alt_demo": ("alt-demo-secret", "alt_demo", ("member", "reader")),
    "nova": ("nova-service-secret", "service", ("admin", "service")),
}
# clouds.yaml name -> user whose project it is scoped to
CLOUDS = {"ks-demo": "demo", "ks-alt": "alt_demo", "ks-admin": "admin"}
SERVICE_NAMES = {
    "compute": "nova",
    "image": "glance",
    "volumev3": "cinderv3",
    "block-storage": "cinder",
}

# ``python -c`` runner: keystone parses sys.argv with oslo.config when the app is
# built, so the listen address must not stay in argv (waitress-serve's would).
_SERVE = (
    "import sys; host, port = sys.argv[1], int(sys.argv[2]); del sys.argv[1:]; "
    "import waitress; from keystone.wsgi import api; "
    "waitress.serve(api.application, host=host, port=port, threads=8, ident='keystone')"
)


def _pip_message(stderr: str) -> str:
    # A pip.conf with missing find-links directories adds one warning per package.
    lines = [ln for ln in stderr.splitlines() if not ln.startswith("WARNING: Location ")]
    return "\n".join(lines)[-3000:]


def _run(step: list[str], what: str, timeout: float, **kwargs: Any) -> None:
    try:
        result = subprocess.run(
            step,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            env=_clean_env(),
            **kwargs,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{what} took over {timeout}s")
    if result.returncode != 0:
        pytest.fail(f"{what} failed ({' '.join(step[:3])} ...):\n{_pip_message(result.stderr)}")


def _clean_env() -> dict[str, str]:
    """The caller's environment without the project's import path or venv."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _installed() -> bool:
    return (VENV / ".installed").exists() and (VENV / "bin" / "keystone-manage").exists()


def _seed_dir() -> Path:
    return VENV / "seed"


def _write_config(etc: Path, state: Path) -> Path:
    """keystone.conf for SQLite and fernet keys under ``state``."""
    etc.mkdir(parents=True, exist_ok=True)
    conf = etc / "keystone.conf"
    conf.write_text(
        f"""[DEFAULT]
debug = False
[database]
connection = sqlite:///{state}/keystone.sqlite
[token]
provider = fernet
expiration = 7200
[fernet_tokens]
key_repository = {state}/fernet-keys
[fernet_receipts]
key_repository = {state}/fernet-keys
[credential]
key_repository = {state}/credential-keys
[identity]
# bcrypt's minimum: tokens are issued in milliseconds instead of ~0.3 s.
password_hash_rounds = 4
[oslo_policy]
enforce_new_defaults = True
enforce_scope = False
"""
    )
    return conf


def _seed(manage: str) -> float:
    """db_sync, fernet_setup, credential_setup and bootstrap into the venv's seed."""
    started = time.monotonic()
    seed = _seed_dir()
    shutil.rmtree(seed, ignore_errors=True)
    seed.mkdir(parents=True)
    conf = _write_config(seed / "etc", seed)
    user = pwd.getpwuid(os.getuid()).pw_name
    group = grp.getgrgid(os.getgid()).gr_name
    identity = f"http://127.0.0.1:{PREFERRED_PORT}/v3"
    base = [manage, "--config-file", str(conf)]
    owner = ["--keystone-user", user, "--keystone-group", group]
    bootstrap = [
        "bootstrap",
        "--bootstrap-password",
        USERS["admin"][0],
        "--bootstrap-region-id",
        REGION,
        "--bootstrap-admin-url",
        identity,
        "--bootstrap-internal-url",
        identity,
        "--bootstrap-public-url",
        identity,
    ]
    for args in (["db_sync"], ["fernet_setup", *owner], ["credential_setup", *owner], bootstrap):
        _run([*base, *args], f"keystone-manage {args[0]}", timeout=300)
    elapsed = time.monotonic() - started
    (seed / ".seeded").write_text(f"seeded in {elapsed:.1f}s\n")
    return elapsed


def ensure_keystone() -> tuple[Path, float, float]:
    """The Keystone venv and its seed, made if needed.

    Returns (venv, seconds spent installing, seconds spent seeding); 0 means cached.
    """
    VENV.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{VENV}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        install_seconds = 0.0
        if not _installed():
            started = time.monotonic()
            shutil.rmtree(VENV, ignore_errors=True)
            _run([sys.executable, "-m", "venv", str(VENV)], "creating the keystone venv", 120)
            _run(
                [
                    str(VENV / "bin" / "pip"),
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                    f"keystone=={KEYSTONE_VERSION}",
                    "waitress",
                ],
                f"installing keystone {KEYSTONE_VERSION} into {VENV}",
                INSTALL_TIMEOUT,
            )
            install_seconds = time.monotonic() - started
            (VENV / ".installed").write_text(
                f"keystone {KEYSTONE_VERSION} installed in {install_seconds:.1f}s\n"
            )
        seed_seconds = 0.0
        if not (_seed_dir() / ".seeded").exists():
            seed_seconds = _seed(str(VENV / "bin" / "keystone-manage"))
        return VENV, install_seconds, seed_seconds


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class KeystoneError(AssertionError):
    """Keystone refused a request the fixture needed."""


class KeystoneServer:
    """keystone on 127.0.0.1 with its state in ``workdir``, plus admin helpers.

    ``auth_url`` is the identity v3 URL clients and keystonemiddleware use;
    ``projects`` and ``users`` map names to Keystone ids once :meth:`start` returned.
    """

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.venv, self.install_seconds, self.seed_seconds = ensure_keystone()
        self.port = PREFERRED_PORT
        self.log_path = workdir / "keystone.log"
        self.proc: subprocess.Popen | None = None
        self.start_seconds = 0.0
        self.projects: dict[str, str] = {}
        self.users: dict[str, str] = {}
        self._admin_token: tuple[str, float] | None = None

    # -- addresses ------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def auth_url(self) -> str:
        return f"{self.url}/v3"

    def password(self, user: str) -> str:
        return USERS[user][0]

    # -- process --------------------------------------------------------------------

    def start(self, timeout: float = 60) -> None:
        started = time.monotonic()
        seed = _seed_dir()
        state = self.workdir / "state"
        shutil.rmtree(state, ignore_errors=True)
        shutil.copytree(seed, state, ignore=shutil.ignore_patterns("etc", ".seeded"))
        self.etc = self.workdir / "etc"
        _write_config(self.etc, state)
        ports = [PREFERRED_PORT] if port_is_free(PREFERRED_PORT) else []
        for port in [*ports, free_port(), free_port()]:
            self.port = port
            if self._serve(timeout):
                break
        else:
            pytest.fail(f"keystone did not start on any port:\n{self.log()}")
        if self.port != PREFERRED_PORT:
            self._move_identity_endpoints()
        self._create_users()
        self.start_seconds = time.monotonic() - started

    def _serve(self, timeout: float) -> bool:
        """Start on ``self.port``; False when another process took the port first."""
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [str(self.venv / "bin" / "python"), "-c", _SERVE, "127.0.0.1", str(self.port)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=self.workdir,
                env={**_clean_env(), "OS_KEYSTONE_CONFIG_DIR": str(self.etc)},
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                if "Address already in use" in self.log():
                    return False
                pytest.fail(f"keystone exited with {self.proc.returncode}:\n{self.log()}")
            try:
                answer = requests.get(self.auth_url, timeout=2)
                if answer.status_code == 200 and answer.headers.get("Server") == "keystone":
                    return True
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        self.stop()
        pytest.fail(f"keystone did not answer within {timeout}s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    # -- identity API ---------------------------------------------------------------

    def token(self, user: str, project: str | None = None, password: str | None = None) -> str:
        """A project-scoped token for ``user`` (project and password default to its own)."""
        project = project or USERS[user][1]
        password = password if password is not None else USERS[user][0]
        body = {
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {
                        "user": {"name": user, "domain": {"name": DOMAIN}, "password": password}
                    },
                },
                "scope": {"project": {"name": project, "domain": {"name": DOMAIN}}},
            }
        }
        answer = requests.post(f"{self.auth_url}/auth/tokens", json=body, timeout=30)
        if answer.status_code != 201:
            raise KeystoneError(
                f"token for {user} in {project}: {answer.status_code} {answer.text}"
            )
        return answer.headers["X-Subject-Token"]

    def revoke(self, token: str) -> None:
        answer = requests.delete(
            f"{self.auth_url}/auth/tokens",
            headers={"X-Auth-Token": self._admin(), "X-Subject-Token": token},
            timeout=30,
        )
        if answer.status_code != 204:
            raise KeystoneError(f"revoking a token: {answer.status_code} {answer.text}")

    def _admin(self) -> str:
        if self._admin_token is None or time.monotonic() - self._admin_token[1] > 1800:
            self._admin_token = (self.token("admin"), time.monotonic())
        return self._admin_token[0]

    def api(self, method: str, path: str, body: dict | None = None, expect: int = 200) -> Any:
        """Call the identity v3 API as admin; the decoded answer (None for 204)."""
        answer = requests.request(
            method,
            f"{self.auth_url}{path}",
            json=body,
            headers={"X-Auth-Token": self._admin()},
            timeout=30,
        )
        if answer.status_code != expect:
            raise KeystoneError(f"{method} {path}: {answer.status_code} {answer.text}")
        return answer.json() if answer.content else None

    def _find(self, collection: str, name: str) -> str | None:
        found = self.api("GET", f"/{collection}?name={name}")[collection]
        return found[0]["id"] if found else None

    def _ensure(self, collection: str, name: str, extra: dict[str, Any] | None = None) -> str:
        existing = self._find(collection, name)
        if existing:
            return existing
        key = collection[:-1]
        body = {key: {"name": name, **(extra or {})}}
        return self.api("POST", f"/{collection}", body, expect=201)[key]["id"]

    def _create_users(self) -> None:
        roles = {
            role: self._ensure("roles", role)
            for role in sorted({r for _p, _proj, rs in USERS.values() for r in rs})
        }
        for user, (password, project, user_roles) in USERS.items():
            project_id = self._ensure("projects", project, {"domain_id": "default"})
            user_id = self._ensure(
                "users",
                user,
                {"domain_id": "default", "password": password, "default_project_id": project_id},
            )
            for role in user_roles:
                self.api(
                    "PUT",
                    f"/projects/{project_id}/users/{user_id}/roles/{roles[role]}",
                    expect=204,
                )
            self.projects[project] = project_id
            self.users[user] = user_id

    def _move_identity_endpoints(self) -> None:
        """The seed's catalog says port 5000; point it at the port really used."""
        service = self.api("GET", "/services?type=identity")["services"][0]["id"]
        for endpoint in self.api("GET", f"/endpoints?service_id={service}")["endpoints"]:
            self.api("PATCH", f"/endpoints/{endpoint['id']}", {"endpoint": {"url": self.auth_url}})

    # -- catalog --------------------------------------------------------------------

    def add_endpoint(self, service_type: str, url: str, name: str | None = None) -> str:
        """Make ``url`` the public, internal and admin endpoint of ``service_type``.

        Creates the service when missing and replaces endpoints of an earlier test, so
        the catalog always names the server the current test started.  Returns the
        service id.
        """
        found = self.api("GET", f"/services?type={service_type}")["services"]
        if found:
            service_id = found[0]["id"]
        else:
            service = {"type": service_type, "name": name or SERVICE_NAMES.get(service_type)}
            service_id = self.api("POST", "/services", {"service": service}, expect=201)["service"][
                "id"
            ]
        for old in self.api("GET", f"/endpoints?service_id={service_id}")["endpoints"]:
            self.api("DELETE", f"/endpoints/{old['id']}", expect=204)
        for interface in ("public", "internal", "admin"):
            endpoint = {
                "service_id": service_id,
                "interface": interface,
                "url": url,
                "region_id": REGION,
            }
            self.api("POST", "/endpoints", {"endpoint": endpoint}, expect=201)
        return service_id

    def register_nova_api(self, api_url: str) -> None:
        """Catalog entries of a nova-api at ``api_url``: compute (v2.1) and image."""
        base = api_url.rstrip("/")
        self.add_endpoint("compute", f"{base}/v2.1", name="nova")
        self.add_endpoint("image", f"{base}/image", name="glance")

    # -- client and service configuration ------------------------------------------

    def clouds_yaml(self, path: Path, api_port: int) -> Path:
        """Register nova-api on ``api_port`` in the catalog and write a clouds.yaml.

        Clouds ``ks-demo``, ``ks-alt`` and ``ks-admin`` use password auth against this
        Keystone and find nova-api through the catalog, as on a real cloud.
        """
        self.register_nova_api(f"http://127.0.0.1:{api_port}")
        clouds = {}
        for cloud, user in CLOUDS.items():
            password, project, _roles = USERS[user]
            clouds[cloud] = {
                "auth_type": "password",
                "auth": {
                    "auth_url": self.auth_url,
                    "username": user,
                    "password": password,
                    "project_name": project,
                    "user_domain_name": DOMAIN,
                    "project_domain_name": DOMAIN,
                },
                "identity_api_version": "3",
                "region_name": REGION,
                "interface": "public",
            }
        path.write_text(json.dumps({"clouds": clouds}, indent=2))  # JSON is YAML
        return path

    def authtoken_options(self, **overrides: Any) -> dict[str, Any]:
        """nova.conf ``[keystone_authtoken]`` for keystonemiddleware as user ``nova``.

        An override whose value is None removes that option.
        """
        options: dict[str, Any] = {
            "www_authenticate_uri": self.auth_url,
            "auth_url": self.auth_url,
            "auth_type": "password",
            "username": "nova",
            "password": USERS["nova"][0],
            "project_name": "service",
            "user_domain_name": DOMAIN,
            "project_domain_name": DOMAIN,
            "region_name": REGION,
            "memcached_servers": "",
            "service_token_roles_required": "true",
            "service_type": "compute",
        }
        options.update(overrides)
        return {k: v for k, v in options.items() if v is not None}
