# shellcheck shell=bash
# Helpers shared by stack.sh, unstack.sh and run_tests.sh.
#
# Sourced, never run. Every function is idempotent: it checks first and only changes the
# machine when something is missing, so running a script twice is cheap and safe.
# Expects NOVELLA_REPO (repo root); defines nothing else global besides helpers.

: "${NOVELLA_REPO:?NOVELLA_REPO must point at the repository root}"
NOVELLA_VENV=${NOVELLA_VENV:-$NOVELLA_REPO/.venv}
NOVELLA_MIN_PYTHON=${NOVELLA_MIN_PYTHON:-3.11}

say() {
    printf '[%s] %s\n' "${NOVELLA_SCRIPT:-novella}" "$*"
}

die() {
    printf '[%s] ERROR: %s\n' "${NOVELLA_SCRIPT:-novella}" "$*" >&2
    exit 1
}

# Run a command as root: directly when we are root, through sudo otherwise.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo -n "$@" || die "needs root for: $* (sudo -n failed; run as root)"
    else
        die "needs root for: $* (not root and no sudo)"
    fi
}

# True when something accepts TCP connections on 127.0.0.1:<port>.
port_open() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# wait_for_port <port> <what> [seconds]
wait_for_port() {
    local port=$1 what=$2 timeout=${3:-60} waited=0
    until port_open "$port"; do
        if [ "$waited" -ge "$timeout" ]; then
            die "$what is not answering on 127.0.0.1:$port after ${timeout}s"
        fi
        sleep 1
        waited=$((waited + 1))
    done
}

# apt_install_missing <package>...: install only the Debian packages not yet installed;
# `apt-get update` runs once, and only when something has to be installed.
apt_install_missing() {
    local missing=() pkg
    for pkg in "$@"; do
        if [ "$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null)" != "installed" ]; then
            missing+=("$pkg")
        fi
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    command -v apt-get >/dev/null 2>&1 || die "missing packages ${missing[*]} and no apt-get"
    say "installing Debian packages: ${missing[*]}"
    if [ -z "${_NOVELLA_APT_UPDATED:-}" ]; then
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null
        _NOVELLA_APT_UPDATED=1
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends -o Dpkg::Options::=--force-confold "${missing[@]}" </dev/null
}

# novella_cmd <bin script> [arg]...: run the checkout's bin/<script> with the venv's Python,
# so what runs is what is checked out, whether or not pyproject.toml lists the script yet.
novella_cmd() {
    local script=$1
    shift
    "$NOVELLA_VENV/bin/python" "$NOVELLA_REPO/bin/$script" "$@"
}

# Print the first python3 found with version >= NOVELLA_MIN_PYTHON.
find_python() {
    local candidate
    for candidate in python3 python3.13 python3.12 python3.11; do
        command -v "$candidate" >/dev/null 2>&1 || continue
        if "$candidate" -c "import sys; sys.exit(sys.version_info < tuple(map(int, '$NOVELLA_MIN_PYTHON'.split('.'))))" 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

# ensure_venv: create NOVELLA_VENV if needed and `pip install -e '.[test,libvirt]'` into it,
# skipped when pyproject.toml (and the interpreter) did not change since the last install.
ensure_venv() {
    local python stamp wanted
    if ! "$NOVELLA_VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
        python=$(find_python) || die "no python3 >= $NOVELLA_MIN_PYTHON found"
        say "creating virtualenv $NOVELLA_VENV with $python"
        rm -rf "$NOVELLA_VENV"
        "$python" -m venv "$NOVELLA_VENV" || die "could not create $NOVELLA_VENV (python3-venv?)"
    fi
    stamp="$NOVELLA_VENV/.novella-install-stamp"
    wanted="$(sha256sum "$NOVELLA_REPO/pyproject.toml" | cut -d' ' -f1) $("$NOVELLA_VENV/bin/python" -c 'import sys; print(sys.version.split()[0])') test,libvirt"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
        return 0
    fi
    say "installing Python dependencies into $NOVELLA_VENV (pip install -e '.[test,libvirt]')"
    rm -f "$stamp"
    # The build backend's warnings are noise on success; the whole output shows on failure.
    if ! (cd "$NOVELLA_REPO" && PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 \
        "$NOVELLA_VENV/bin/python" -m pip install -q -e '.[test,libvirt]' \
        </dev/null >"$NOVELLA_VENV/pip-install.log" 2>&1); then
        cat "$NOVELLA_VENV/pip-install.log" >&2
        die "pip install -e '.[test,libvirt]' failed (output above, kept in $NOVELLA_VENV/pip-install.log)"
    fi
    printf '%s\n' "$wanted" >"$stamp"
}
