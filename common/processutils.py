"""The one way Novella runs an external command, and the allow-list of privileged ones.

Every command is an argument list handed to ``subprocess`` (never a shell), so no value
a user chose (a volume name, an image path) can turn into shell syntax.

Commands that need root (``run_as_root=True``) must match a filter of the allow-list,
read in the rootwrap style from ``*.filters`` files (``etc/nova/rootwrap.d``,
``etc/cinder/rootwrap.d``, or ``/etc/{nova,cinder}/rootwrap.d`` once installed)::

    [Filters]
    # name: FilterClass, executable, run-as user[, argument patterns...]
    lvcreate: CommandFilter, lvcreate, root
    tgtadm: RegExpFilter, tgtadm, root, tgtadm, --lld, iscsi, .*

``CommandFilter`` allows any arguments; ``RegExpFilter`` lists one regular expression per
argument, the command name first, and the command must have exactly that many. The
executable that runs is the one the filter names (an absolute path, or found in the
system directories ``EXEC_DIRS``), never whatever ``$PATH`` resolves first. A daemon
running as root runs it directly; any other daemon runs it through ``sudo -n``, whose
sudoers entry must allow the same executables.

Output is captured and logged; CHAP passwords and other secrets the caller names are
masked in the log and in ``ProcessExecutionError`` (which carries the exit code, stdout
and stderr of a failed command).
"""

from __future__ import annotations

import configparser
import logging
import os
import re
import shlex
import subprocess
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from common.exception import NovellaException

LOG = logging.getLogger(__name__)

# Where a filter's bare executable name is looked up: system directories only.
EXEC_DIRS = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")

_REPO_ETC = Path(__file__).resolve().parent.parent / "etc"
DEFAULT_FILTER_DIRS = (
    "/etc/nova/rootwrap.d",
    "/etc/cinder/rootwrap.d",
    str(_REPO_ETC / "nova" / "rootwrap.d"),
    str(_REPO_ETC / "cinder" / "rootwrap.d"),
)

MASK = "***"


class ProcessExecutionError(NovellaException):
    """A command exited with a code the caller does not accept."""

    msg_fmt = (
        "Unexpected error while running command.\nCommand: %(cmd)s\nExit code: "
        "%(exit_code)s\nStdout: %(stdout)r\nStderr: %(stderr)r"
    )

    def __init__(
        self,
        cmd: str = "",
        exit_code: int | None = None,
        stdout: str = "",
        stderr: str = "",
        description: str | None = None,
    ) -> None:
        self.cmd = cmd
        self.exit_code = exit_code
        self.stdout = stdout
        self.stderr = stderr
        self.description = description
        message = None
        if description:
            message = f"{description}\nCommand: {cmd}\nExit code: {exit_code}\nStderr: {stderr!r}"
        super().__init__(message, cmd=cmd, exit_code=exit_code, stdout=stdout, stderr=stderr)


class ProcessTimedOut(ProcessExecutionError):
    """A command ran longer than its timeout and was killed."""


class CommandNotAllowed(NovellaException):
    """A privileged command that no filter of the allow-list matches: never run."""

    msg_fmt = "Command not allowed by the rootwrap filters: %(cmd)s"
    code = 403


# -- secrets -------------------------------------------------------------------------

_SECRET_PATTERNS = (
    # tgtadm --password X, --chap-password X, --auth-password=X
    re.compile(r"(--(?:[\w-]*password|secret)[ =])(\S+)", re.IGNORECASE),
    # incominguser USER PASS (tgt target config), CHAP USER PASS (provider_auth)
    re.compile(r"((?:incominguser|outgoinguser|CHAP)\s+\S+\s+)(\S+)"),
    # iscsi://user%pass@host, and key=value / "password": "value" forms
    re.compile(r"(iscsi://[^%/@\s]+%)([^@\s]+)"),
    re.compile(r"((?:password|secret)[\\\"']*\s*[=:]\s*[\\\"']*)([^\\\"'\s,}]+)", re.I),
)


def mask_password(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with passwords replaced by ``***``: the known forms, plus each of
    ``secrets`` wherever it appears."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + MASK, text)
    return text


# -- the allow-list ------------------------------------------------------------------


@dataclass(frozen=True)
class CommandFilter:
    """Allows one executable with any arguments."""

    name: str
    exec_path: str
    run_as: str = "root"
    arg_patterns: tuple[str, ...] = field(default=())

    def matches(self, argv: Sequence[str]) -> bool:
        return bool(argv) and os.path.basename(argv[0]) == os.path.basename(self.exec_path)

    def resolve(self) -> str | None:
        """The absolute path that will run, or None when the executable is not installed."""
        if os.path.isabs(self.exec_path):
            return self.exec_path if os.access(self.exec_path, os.X_OK) else None
        for directory in EXEC_DIRS:
            candidate = os.path.join(directory, self.exec_path)
            if os.access(candidate, os.X_OK):
                return candidate
        return None


@dataclass(frozen=True)
class RegExpFilter(CommandFilter):
    """Allows one executable with exactly as many arguments as patterns, each matching."""

    def matches(self, argv: Sequence[str]) -> bool:
        if not super().matches(argv) or len(argv) != len(self.arg_patterns):
            return False
        # The first pattern names the command; compare it with the base name.
        values = [os.path.basename(argv[0]), *argv[1:]]
        return all(
            re.fullmatch(p, v) is not None for p, v in zip(self.arg_patterns, values, strict=True)
        )


_FILTER_CLASSES: dict[str, type[CommandFilter]] = {
    "CommandFilter": CommandFilter,
    "RegExpFilter": RegExpFilter,
}


def load_filters(directories: Iterable[str]) -> list[CommandFilter]:
    """Every filter of the ``*.filters`` files in ``directories`` (missing ones skipped)."""
    filters: list[CommandFilter] = []
    for directory in directories:
        path = Path(directory)
        if not path.is_dir():
            continue
        for filter_file in sorted(path.glob("*.filters")):
            parser = configparser.RawConfigParser()
            parser.optionxform = str  # type: ignore[assignment,method-assign]
            parser.read(filter_file)
            if not parser.has_section("Filters"):
                continue
            for name, value in parser.items("Filters"):
                parts = [part.strip() for part in value.split(",")]
                cls = _FILTER_CLASSES.get(parts[0])
                if cls is None or len(parts) < 3:
                    LOG.warning("%s: filter %s has an unknown form; ignored", filter_file, name)
                    continue
                filters.append(cls(name, parts[1], parts[2], tuple(parts[3:])))
    return filters


class AllowList:
    """The filters in force; loaded once, reloadable (``reload()``) after a SIGHUP."""

    def __init__(self, directories: Iterable[str] | None = None) -> None:
        self.directories = tuple(directories or DEFAULT_FILTER_DIRS)
        self._filters: list[CommandFilter] | None = None
        self._lock = threading.Lock()

    @property
    def filters(self) -> list[CommandFilter]:
        with self._lock:
            if self._filters is None:
                self._filters = load_filters(self.directories)
            return self._filters

    def reload(self) -> None:
        with self._lock:
            self._filters = None

    def match(self, argv: Sequence[str]) -> tuple[CommandFilter, str]:
        """The first filter allowing ``argv`` and the executable it resolves to."""
        for candidate in self.filters:
            if candidate.matches(argv):
                resolved = candidate.resolve()
                if resolved is not None:
                    return candidate, resolved
        raise CommandNotAllowed(cmd=" ".join(shlex.quote(a) for a in argv))


_allow_list = AllowList()


def set_filter_dirs(directories: Iterable[str] | None) -> None:
    """Use the filters of ``directories`` (None: the defaults) from now on."""
    global _allow_list
    _allow_list = AllowList(directories)


def get_allow_list() -> AllowList:
    return _allow_list


# -- running -------------------------------------------------------------------------


def _is_root() -> bool:
    return os.geteuid() == 0


def _accepted(exit_code: int, check_exit_code: bool | int | Sequence[int]) -> bool:
    if check_exit_code is False:
        return True
    if check_exit_code is True:
        return exit_code == 0
    if isinstance(check_exit_code, int):
        return exit_code == check_exit_code
    return exit_code in check_exit_code


def execute(
    *cmd: str,
    run_as_root: bool = False,
    process_input: str | bytes | None = None,
    env_variables: Mapping[str, str] | None = None,
    check_exit_code: bool | int | Sequence[int] = True,
    attempts: int = 1,
    retry_on_exit_codes: Sequence[int] | None = None,
    delay_on_retry: float = 1.0,
    timeout: float | None = None,
    secrets: Sequence[str] = (),
    log_errors: bool = True,
    cwd: str | None = None,
) -> tuple[str, str]:
    """Run ``cmd`` (program and arguments) and return its ``(stdout, stderr)``.

    - ``run_as_root``: the command must pass the allow-list; it runs directly when this
      process is root, else through ``sudo -n``.
    - ``check_exit_code``: True (only 0), False (any), or the accepted code(s).
    - ``attempts`` / ``retry_on_exit_codes``: run again after ``delay_on_retry`` seconds
      when the exit code is not accepted (and, if given, is one of those codes).
    - ``timeout``: seconds before the process is killed (``ProcessTimedOut``).
    - ``secrets``: strings masked in logs and errors (e.g. a CHAP password argument).
    """
    argv = [str(arg) for arg in cmd]
    if not argv:
        raise ValueError("execute() needs a command")
    if any("\x00" in arg for arg in argv):
        raise ValueError("command arguments cannot contain NUL bytes")
    env = None
    if env_variables:
        env = {**os.environ, **env_variables}
    if run_as_root:
        _, resolved = _allow_list.match(argv)
        argv = [resolved, *argv[1:]]
        if not _is_root():
            prefix = ["sudo", "-n"]
            if env_variables:
                prefix += ["env", *(f"{k}={v}" for k, v in env_variables.items())]
            argv = prefix + argv
    shown = mask_password(" ".join(shlex.quote(a) for a in argv), secrets)
    data = process_input.encode() if isinstance(process_input, str) else process_input
    attempts = max(1, attempts)
    for attempt in range(1, attempts + 1):
        LOG.debug("Running cmd (subprocess): %s", shown)
        started = time.monotonic()
        try:
            proc = subprocess.run(  # noqa: S603  (argument list, no shell)
                argv,
                input=data,
                stdin=None if data is not None else subprocess.DEVNULL,
                capture_output=True,
                env=env,
                cwd=cwd,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            out = mask_password(_text(exc.stdout), secrets)
            err = mask_password(_text(exc.stderr), secrets)
            LOG.warning("CMD %r timed out after %ss and was killed", shown, timeout)
            raise ProcessTimedOut(
                cmd=shown,
                exit_code=-9,
                stdout=out,
                stderr=err,
                description=f"Command timed out after {timeout}s",
            ) from None
        except OSError as exc:
            raise ProcessExecutionError(
                cmd=shown, exit_code=None, stderr=str(exc), description=f"Could not run: {exc}"
            ) from None
        out = _text(proc.stdout)
        err = _text(proc.stderr)
        LOG.debug(
            'CMD "%s" returned: %s in %.3fs', shown, proc.returncode, time.monotonic() - started
        )
        if _accepted(proc.returncode, check_exit_code):
            return out, err
        masked_out, masked_err = mask_password(out, secrets), mask_password(err, secrets)
        retryable = retry_on_exit_codes is None or proc.returncode in retry_on_exit_codes
        if attempt < attempts and retryable:
            LOG.debug("%r failed (exit %s); retrying", shown, proc.returncode)
            if delay_on_retry:
                time.sleep(delay_on_retry)
            continue
        if log_errors:
            LOG.warning(
                "CMD %r failed with exit code %s: %s", shown, proc.returncode, masked_err.strip()
            )
        raise ProcessExecutionError(
            cmd=shown, exit_code=proc.returncode, stdout=masked_out, stderr=masked_err
        )
    raise AssertionError("unreachable")


def _text(value: bytes | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value


def trycmd(*cmd: str, **kwargs: object) -> tuple[str, str]:
    """``execute`` that never raises on an exit code: returns ("", error text) instead."""
    try:
        return execute(*cmd, **kwargs)  # type: ignore[arg-type]
    except ProcessExecutionError as exc:
        return exc.stdout, exc.stderr or exc.message
