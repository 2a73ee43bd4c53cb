# Nova (compute): its configuration files and its database.
#
# NOVA_CONF serves the control plane (API, conductor, scheduler). nova-compute reads
# NOVA_CPU_CONF, which has no [database] section: a worker reaches the database only
# through nova-conductor, as on a real compute node.

configure_nova() {
    write_service_conf nova "$NOVA_CONF" yes
    printf '\n[api]\nauth_strategy = noauth2\n' >>"$NOVA_CONF"
    write_service_conf nova "$NOVA_CPU_CONF" no \
        "compute_driver = ${NOVELLA_COMPUTE_DRIVER:-fake.FakeDriver}"
}

init_nova() {
    say "nova-manage db sync"
    novella_cmd nova-manage --config-file "$NOVA_CONF" db sync </dev/null ||
        die "nova-manage db sync failed"
}
