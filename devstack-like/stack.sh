#!/usr/bin/env bash
# Install Novella and start a one-node cloud on this machine (Debian 12).
#
# NOVELLA_MODE=all-in-one (the default): nova-all, every compute service in one process,
# on an SQLite database under $NOVELLA_STATE_DIR and the in-process memory:// bus.
# NOVELLA_MODE=services: every daemon of lib/daemons.sh its own process, talking over
# RabbitMQ on 127.0.0.1, with SQLite databases under $NOVELLA_STATE_DIR.
# Either way the default image is imported and clouds.yaml gets the clouds novella and
# novella-admin. Running it again restarts the cloud cleanly (in either mode: whatever
# ran before is stopped first). Settings: see stackrc.
set -euo pipefail

NOVELLA_SCRIPT=stack
# shellcheck source=stackrc
source "$(dirname "${BASH_SOURCE[0]}")/stackrc"
# shellcheck source=lib/image.sh
source "$NOVELLA_REPO/devstack-like/lib/image.sh"
# shellcheck source=lib/clouds.sh
source "$NOVELLA_REPO/devstack-like/lib/clouds.sh"
# shellcheck source=lib/guest_image.sh
source "$NOVELLA_REPO/devstack-like/lib/guest_image.sh"
cd "$NOVELLA_REPO"
started=$SECONDS

say "mode $NOVELLA_MODE, bus $NOVELLA_TRANSPORT_URL"
if [ "$NOVELLA_MODE" = all-in-one ]; then
    apt_install_missing "${NOVELLA_ALL_IN_ONE_PACKAGES[@]}"
else
    apt_install_missing "${NOVELLA_RUNTIME_PACKAGES[@]}"
fi
mkdir -p "$NOVELLA_STATE_DIR/run" "$NOVELLA_STATE_DIR/log"
if [[ "$NOVELLA_TRANSPORT_URL" == rabbit://* ]]; then
    ensure_rabbitmq
    if [ "$NOVELLA_RABBITMQ_STARTED" = 1 ]; then
        touch "$NOVELLA_STATE_DIR/run/rabbitmq.started-by-stack"
    fi
fi
ensure_venv

# A second run restarts: stop what the previous run started before rewriting its config.
stop_all_daemons

# The daemons to run: enabled on this node, and present in this checkout.
daemons=()
readiness=()
while read -r name ready; do
    if daemon_available "$name"; then
        daemons+=("$name")
        readiness+=("$ready")
    else
        say "WARNING: bin/$name is not in this checkout; not starting it"
    fi
done < <(enabled_daemons)
[ "${#daemons[@]}" -gt 0 ] ||
    die "no daemon to start (NOVELLA_MODE=$NOVELLA_MODE, NOVELLA_DAEMONS=${NOVELLA_DAEMONS:-})"

# Space-separated (not one per line), so that " $projects " == *" nova "* can match.
projects=$(for name in "${daemons[@]}"; do daemon_project "$name"; done | sort -u | tr "\n" " ")
for project in $projects; do
    "configure_$project"
    "init_$project"
done
if [[ " $projects " == *" nova "* ]]; then
    import_guest_image
    import_default_image
fi

for name in "${daemons[@]}"; do
    start_daemon "$name"
done
for i in "${!daemons[@]}"; do
    wait_daemon_ready "${daemons[$i]}" "${readiness[$i]}"
done

compute_api=no
if [[ " ${daemons[*]} " == *" nova-api "* || " ${daemons[*]} " == *" nova-all "* ]]; then
    compute_api=yes
    write_clouds_yaml
fi

say "$NOVELLA_MODE cloud up in $((SECONDS - started))s on host $NOVELLA_HOST"
cat <<USAGE

Novella is running. Daemons, logs and pid files:
$(for name in "${daemons[@]}"; do
    printf '  %-16s pid %-8s %s\n' "$name" "$(daemon_pid "$name")" \
        "$NOVELLA_STATE_DIR/log/$name.log"
done)

Configuration: $(for project in $projects; do
    printf '%s ' "$NOVELLA_CONF_DIR/$project/$project.conf"
done)
State (SQLite databases): $NOVELLA_STATE_DIR
Mode: $NOVELLA_MODE (bus $NOVELLA_TRANSPORT_URL)

Try it:
  source $NOVELLA_VENV/bin/activate
  nova-manage --config-file $NOVA_CONF service list
  nova-manage --config-file $NOVA_CONF image list
USAGE
if [ "$compute_api" = yes ]; then
    printf '  curl -s -H "X-Auth-Token: admin:admin" http://127.0.0.1:%s/v2.1/\n' \
        "$NOVELLA_COMPUTE_API_PORT"
    printf '  openstack --os-cloud novella image list        (clouds.yaml: %s)\n' \
        "$NOVELLA_CLOUDS_YAML"
    printf '  openstack --os-cloud novella server create --flavor m1.tiny --image %s --wait demo\n' \
        "$NOVELLA_DEFAULT_IMAGE_NAME"
fi
if [[ " ${daemons[*]} " == *" cinder-api "* ]]; then
    printf '  curl -s -H "X-Auth-Token: admin:admin" http://127.0.0.1:%s/v3/\n' \
        "$NOVELLA_VOLUME_API_PORT"
fi
printf '\nStop it: NOVELLA_STATE_DIR=%s %s/devstack-like/unstack.sh\n' \
    "$NOVELLA_STATE_DIR" "$NOVELLA_REPO"
