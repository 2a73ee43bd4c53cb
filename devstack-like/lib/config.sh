# shellcheck shell=bash
# Writing the configuration files of an all-in-one cloud.
#
# Expects NOVELLA_STATE_DIR, NOVELLA_TRANSPORT_URL, NOVELLA_HOST, NOVELLA_REPO.

# write_service_conf <project> <file> <with-database:yes|no> [DEFAULT line]...
# Writes the [DEFAULT] and [database] sections every project shares; the project's own
# sections are appended afterwards by its configure_<project>.
write_service_conf() {
    local project=$1 file=$2 with_database=$3
    shift 3
    mkdir -p "$(dirname "$file")" "$NOVELLA_STATE_DIR"
    {
        printf '# Written by devstack-like/stack.sh; rewritten on every run.\n'
        printf '[DEFAULT]\n'
        printf 'host = %s\n' "$NOVELLA_HOST"
        printf 'state_path = %s\n' "$NOVELLA_STATE_DIR"
        printf 'transport_url = %s\n' "$NOVELLA_TRANSPORT_URL"
        printf 'report_interval = %s\n' "${NOVELLA_REPORT_INTERVAL:-10}"
        printf 'debug = %s\n' "${NOVELLA_DEBUG:-false}"
        if [ -f "$NOVELLA_REPO/etc/$project/api-paste.ini" ]; then
            printf 'api_paste_config = %s\n' "$NOVELLA_REPO/etc/$project/api-paste.ini"
        fi
        [ "$#" -gt 0 ] && printf '%s\n' "$@"
        if [ "$with_database" = yes ]; then
            printf '\n[database]\n'
            printf 'connection = sqlite:///%s\n' "$NOVELLA_STATE_DIR/$project.sqlite"
        fi
    } >"$file.tmp"
    mv "$file.tmp" "$file"
    say "wrote $file"
}
