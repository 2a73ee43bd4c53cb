# shellcheck shell=bash
# RabbitMQ on 127.0.0.1:5672 with the default guest/guest account (local connections only).
#
# Started with `rabbitmq-server -detached` so it works without systemd as PID 1.

# Sets NOVELLA_RABBITMQ_STARTED=1 when this call started the broker.
ensure_rabbitmq() {
    NOVELLA_RABBITMQ_STARTED=0
    if ! port_open 5672; then
        NOVELLA_RABBITMQ_STARTED=1
        say "starting RabbitMQ"
        # Fails harmlessly when the node is already booting; the port wait decides.
        as_root rabbitmq-server -detached </dev/null >/dev/null 2>&1 || true
        wait_for_port 5672 RabbitMQ 120
    fi
}

stop_rabbitmq() {
    say "stopping RabbitMQ"
    as_root rabbitmqctl stop </dev/null >/dev/null 2>&1 || true
}
