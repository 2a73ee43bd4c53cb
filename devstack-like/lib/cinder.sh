# shellcheck shell=bash
# Cinder (block storage): its configuration file and its database.
# Cinder keeps auth_strategy in [DEFAULT] (Nova has it in [api]).

configure_cinder() {
    write_service_conf cinder "$CINDER_CONF" yes 'auth_strategy = noauth2' \
        "osapi_volume_listen_port = $NOVELLA_VOLUME_API_PORT"
}

init_cinder() {
    say "cinder-manage db sync"
    novella_cmd cinder-manage --config-file "$CINDER_CONF" db sync </dev/null ||
        die "cinder-manage db sync failed"
}
