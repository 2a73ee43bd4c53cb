# shellcheck shell=bash
# The daemons of an all-in-one cloud, and how to start, stop and wait for them.
#
# Each daemon runs in the background (bin/<name> through novella_cmd), detached from the
# terminal (its own session), with its output in $NOVELLA_STATE_DIR/log/<name>.log and its
# pid in $NOVELLA_STATE_DIR/run/<name>.pid. The project (nova or cinder) and so the config file
# come from the name's prefix. Expects NOVELLA_STATE_DIR, NOVA_CONF, NOVA_CPU_CONF and
# CINDER_CONF.

# The one list: add a daemon with one line: its name, the NOVELLA_MODE that runs it, and
# how stack.sh tells it is ready (one or more checks separated by commas):
#   service    it shows "up" in `<project>-manage service list` (RPC services)
#   service:B  service B (e.g. nova-compute) on this host shows "up"
#   port:N     it accepts TCP connections on 127.0.0.1:N (APIs)
# Started in this order; NOVELLA_DAEMONS="a b" limits a node to some of its mode's daemons.
NOVELLA_DAEMON_TABLE=(
    "nova-all          all-in-one  port:$NOVELLA_COMPUTE_API_PORT,service:nova-compute"
    "nova-conductor    services    service"
    "nova-scheduler    services    service"
    "nova-compute      services    service"
    "nova-api          services    port:$NOVELLA_COMPUTE_API_PORT"
    "cinder-scheduler  services    service"
    "cinder-volume     services    service"
    "cinder-api        services    port:$NOVELLA_VOLUME_API_PORT"
)

# Print "name readiness" for each daemon to run on this node, in start order.
enabled_daemons() {
    local entry name mode ready
    for entry in "${NOVELLA_DAEMON_TABLE[@]}"; do
        read -r name mode ready <<<"$entry"
        [ "$mode" = "$NOVELLA_MODE" ] || continue
        if [ -z "${NOVELLA_DAEMONS:-}" ] || [[ " $NOVELLA_DAEMONS " == *" $name "* ]]; then
            printf '%s %s\n' "$name" "$ready"
        fi
    done
}

daemon_project() {
    printf '%s\n' "${1%%-*}"
}

# The config file a daemon (or a nova-manage / cinder-manage command) is given.
daemon_config() {
    case "$1" in
    nova-compute) printf '%s\n' "$NOVA_CPU_CONF" ;;
    nova-*) printf '%s\n' "$NOVA_CONF" ;;
    cinder-*) printf '%s\n' "$CINDER_CONF" ;;
    *) die "no configuration file known for $1" ;;
    esac
}

daemon_pidfile() {
    printf '%s\n' "$NOVELLA_STATE_DIR/run/$1.pid"
}

# The pid of a running daemon started by us, or nothing. The pid must still belong to a
# process whose command line names the daemon, so a recycled pid is never signalled.
daemon_pid() {
    local pidfile pid
    pidfile=$(daemon_pidfile "$1")
    [ -f "$pidfile" ] || return 1
    pid=$(cat "$pidfile")
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    [ -r "/proc/$pid/cmdline" ] || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$1" || return 1
    printf '%s\n' "$pid"
}

# True when the daemon's code exists in this checkout (bin/<name>).
daemon_available() {
    [ -f "$NOVELLA_REPO/bin/$1" ]
}

start_daemon() {
    local name=$1 config log pid
    config=$(daemon_config "$name")
    log="$NOVELLA_STATE_DIR/log/$name.log"
    mkdir -p "$NOVELLA_STATE_DIR/log" "$NOVELLA_STATE_DIR/run"
    if pid=$(daemon_pid "$name"); then
        say "$name already running (pid $pid)"
        return 0
    fi
    printf '\n=== %s started by stack.sh\n' "$(date -u '+%Y-%m-%d %H:%M:%S')" >>"$log"
    # novella_cmd spelled out: setsid runs programs, not shell functions.
    setsid "$NOVELLA_VENV/bin/python" "$NOVELLA_REPO/bin/$name" --config-file "$config" \
        </dev/null >>"$log" 2>&1 &
    pid=$!
    printf '%s\n' "$pid" >"$(daemon_pidfile "$name")"
    say "started $name (pid $pid, log $log)"
}

# stop_daemon <name> [seconds]: SIGTERM, wait for the graceful shutdown, SIGKILL last.
stop_daemon() {
    local name=$1 timeout=${2:-90} pid waited=0
    if pid=$(daemon_pid "$name"); then
        say "stopping $name (pid $pid)"
        kill -TERM "$pid" 2>/dev/null || true
        # daemon_pid, not kill -0: a zombie nobody reaped yet counts as gone.
        while daemon_pid "$name" >/dev/null; do
            if [ "$waited" -ge "$timeout" ]; then
                say "$name did not exit ${timeout}s after SIGTERM; sending SIGKILL"
                kill -KILL "$pid" 2>/dev/null || true
                break
            fi
            sleep 1
            waited=$((waited + 1))
        done
    fi
    rm -f "$(daemon_pidfile "$name")"
}

# Stop every daemon that has a pid file, in the reverse of the table's start order (APIs
# and workers before the conductor); daemons no longer in the table go first.
stop_all_daemons() {
    local pidfile entry name ordered=() known=" "
    for entry in "${NOVELLA_DAEMON_TABLE[@]}"; do
        read -r name _ <<<"$entry"
        known+="$name "
        [ -e "$(daemon_pidfile "$name")" ] && ordered=("$name" "${ordered[@]}")
    done
    for pidfile in "$NOVELLA_STATE_DIR"/run/*.pid; do
        [ -e "$pidfile" ] || continue
        name=$(basename "$pidfile" .pid)
        [[ "$known" == *" $name "* ]] || ordered=("$name" "${ordered[@]}")
    done
    for name in "${ordered[@]}"; do
        stop_daemon "$name"
    done
}

# True when `<project>-manage service list` shows service <name> on this host as up.
service_is_up() {
    local name=$1 project host=$NOVELLA_HOST
    project=$(daemon_project "$name")
    novella_cmd "$project-manage" --config-file "$(daemon_config "$project-manage")" \
        service list 2>/dev/null </dev/null |
        grep -w -- "$name" | grep -w -- "$host" | grep -q -i -E '(^|[^a-z])up([^a-z]|$)|:-\)'
}

# daemon_ready <name> <readiness>: true when every check of <readiness> passes.
daemon_ready() {
    local name=$1 check checks
    IFS=, read -r -a checks <<<"$2"
    for check in "${checks[@]}"; do
        case "$check" in
        service) service_is_up "$name" || return 1 ;;
        service:*) service_is_up "${check#service:}" || return 1 ;;
        port:*) port_open "${check#port:}" || return 1 ;;
        *) die "unknown readiness check '$check' for $name" ;;
        esac
    done
}

# wait_daemon_ready <name> <readiness> [seconds]
wait_daemon_ready() {
    local name=$1 readiness=$2 timeout=${3:-90} waited=0
    while :; do
        if ! daemon_pid "$name" >/dev/null; then
            tail -n 20 "$NOVELLA_STATE_DIR/log/$name.log" >&2 || true
            die "$name exited during start-up (log: $NOVELLA_STATE_DIR/log/$name.log)"
        fi
        daemon_ready "$name" "$readiness" && break
        if [ "$waited" -ge "$timeout" ]; then
            die "$name not ready after ${timeout}s (log: $NOVELLA_STATE_DIR/log/$name.log)"
        fi
        sleep 1
        waited=$((waited + 1))
    done
    say "$name is up"
}
