#!/usr/bin/env bash
# Install what the tests need (idempotently), lint, and run the test suite.
#
#   ./run_tests.sh                      lint + tests/unit, tests/functional, tests/e2e
#   ./run_tests.sh tests/unit -k foo    extra arguments go to pytest unchanged
#
# Works non-interactively (CI=true, no stdin). Exit status: pytest's, and non-zero when
# the lint failed or when pytest collected no test at all (a green run must run tests).
set -euo pipefail

NOVELLA_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NOVELLA_SCRIPT=run_tests
cd "$NOVELLA_REPO"

# shellcheck source=devstack-like/lib/functions.sh
source devstack-like/lib/functions.sh
# shellcheck source=devstack-like/lib/packages.sh
source devstack-like/lib/packages.sh
# shellcheck source=devstack-like/lib/rabbitmq.sh
source devstack-like/lib/rabbitmq.sh
# shellcheck source=devstack-like/lib/database.sh
source devstack-like/lib/database.sh

started=$SECONDS
apt_install_missing "${NOVELLA_TEST_PACKAGES[@]}"
ensure_rabbitmq
ensure_mariadb
ensure_postgresql
ensure_venv
say "prerequisites ready in $((SECONDS - started))s"

lint_status=0
say "ruff check ."
"$NOVELLA_VENV/bin/ruff" check . || lint_status=1
say "ruff format --check ."
"$NOVELLA_VENV/bin/ruff" format --check . || lint_status=1

# pytest's output goes through tee to keep its summary line for the last word.
log=$(mktemp "${TMPDIR:-/tmp}/novella-pytest.XXXXXX")
trap 'rm -f "$log"' EXIT
color=no
[ -t 1 ] && color=yes
say "pytest $*"
set +e
"$NOVELLA_VENV/bin/python" -m pytest -p no:cacheprovider -ra --color="$color" \
    --timeout="${NOVELLA_TEST_TIMEOUT:-300}" "$@" </dev/null 2>&1 | tee "$log"
test_status=${PIPESTATUS[0]}
set -e

summary=$(grep -E '^=+ .* in [0-9.]+s.* =+$' "$log" | tail -n 1 || true)
say "pytest: ${summary:-no summary line (pytest exited with $test_status)}"
if [ "$lint_status" -ne 0 ]; then
    say "FAILED: ruff found problems (run: .venv/bin/ruff check --fix . && .venv/bin/ruff format .)"
fi
if [ "$test_status" -eq 5 ]; then
    say "FAILED: pytest collected no tests; a run that tests nothing is not a pass"
    exit 5
fi
if [ "$test_status" -ne 0 ]; then
    exit "$test_status"
fi
exit "$lint_status"
