# Cinder (block storage): its configuration file and its database. Expects CINDER_CONF.

configure_cinder() {
    write_service_conf cinder "$CINDER_CONF"
    say "wrote $CINDER_CONF"
}

init_cinder() {
    say "cinder-manage db sync"
    "$NOVELLA_VENV/bin/cinder-manage" --config-file "$CINDER_CONF" db sync </dev/null ||
        die "cinder-manage db sync failed"
}
