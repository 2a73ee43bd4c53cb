# shellcheck shell=bash
# Nova (compute): its configuration files and its database.
#
# NOVA_CONF serves the control plane (API, conductor, scheduler) and, in all-in-one mode,
# nova-all, which runs the compute host too. In services mode nova-compute reads
# NOVA_CPU_CONF, which has no [database] section: a worker reaches the database only
# through nova-conductor, as on a real compute node.

configure_nova() {
    local all_in_one=()
    if [ "$NOVELLA_MODE" = all-in-one ]; then
        all_in_one=("compute_driver = ${NOVELLA_COMPUTE_DRIVER:-fake.FakeDriver}")
    fi
    write_service_conf nova "$NOVA_CONF" yes \
        "osapi_compute_listen_port = $NOVELLA_COMPUTE_API_PORT" "${all_in_one[@]}"
    printf '\n[api]\nauth_strategy = noauth2\n' >>"$NOVA_CONF"
    if [ "$NOVELLA_MODE" = services ]; then
        write_service_conf nova "$NOVA_CPU_CONF" no \
            "compute_driver = ${NOVELLA_COMPUTE_DRIVER:-fake.FakeDriver}"
    fi
}

init_nova() {
    say "nova-manage db sync"
    novella_cmd nova-manage --config-file "$NOVA_CONF" db sync </dev/null ||
        die "nova-manage db sync failed"
}
