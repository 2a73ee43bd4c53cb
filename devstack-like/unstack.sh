#!/usr/bin/env bash
# Stop what stack.sh started: every daemon with a pid file (SIGTERM, then wait for a
# graceful exit), and RabbitMQ only if stack.sh was the one that started it.
# Databases and logs stay in $NOVELLA_STATE_DIR.
set -euo pipefail

NOVELLA_SCRIPT=unstack
# shellcheck source=stackrc
source "$(dirname "${BASH_SOURCE[0]}")/stackrc"

stop_all_daemons
if [ -f "$NOVELLA_STATE_DIR/run/rabbitmq.started-by-stack" ]; then
    stop_rabbitmq
    rm -f "$NOVELLA_STATE_DIR/run/rabbitmq.started-by-stack"
fi
say "stopped"
