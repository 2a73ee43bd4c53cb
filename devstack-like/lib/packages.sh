# The Debian packages Novella needs: the one list to extend when a driver needs a tool.

# What an all-in-one cloud needs to run (stack.sh).
NOVELLA_RUNTIME_PACKAGES=(
    python3-venv
    rabbitmq-server
)

# What the test suite needs (run_tests.sh): the runtime plus every database it tests on.
NOVELLA_TEST_PACKAGES=(
    "${NOVELLA_RUNTIME_PACKAGES[@]}"
    mariadb-server
    postgresql
)
