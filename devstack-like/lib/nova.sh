# Nova (compute): its configuration file and its database. Expects NOVA_CONF.

configure_nova() {
    write_service_conf nova "$NOVA_CONF"
    say "wrote $NOVA_CONF"
}

init_nova() {
    say "nova-manage db sync"
    "$NOVELLA_VENV/bin/nova-manage" --config-file "$NOVA_CONF" db sync </dev/null ||
        die "nova-manage db sync failed"
}
