# shellcheck shell=bash
# clouds.yaml entries for openstackclient and openstacksdk: `openstack --os-cloud novella`.
#
#   NOVELLA_SERVICE_HOST   the address clients reach nova-api at (default 127.0.0.1)
#   NOVELLA_CLOUDS_YAML    the user's clouds.yaml (default ~/.config/openstack/clouds.yaml)
#
# Writes clouds "novella" (demo user, demo project) and "novella-admin" into the user's
# clouds.yaml and into $NOVELLA_STATE_DIR/clouds.yaml, keeping any other cloud there.
# Compute is nova-api's /v2.1 and images its Glance-compatible /image endpoint, both on
# port NOVELLA_COMPUTE_API_PORT (8774). Expects NOVELLA_REPO, NOVELLA_VENV, NOVELLA_STATE_DIR.

NOVELLA_SERVICE_HOST=${NOVELLA_SERVICE_HOST:-127.0.0.1}
NOVELLA_CLOUDS_YAML=${NOVELLA_CLOUDS_YAML:-$HOME/.config/openstack/clouds.yaml}

write_clouds_yaml() {
    local base="http://$NOVELLA_SERVICE_HOST:${NOVELLA_COMPUTE_API_PORT:-8774}"
    "$NOVELLA_VENV/bin/python" "$NOVELLA_REPO/devstack-like/lib/clouds_yaml.py" \
        --compute-url "$base/v2.1" --image-url "$base/image" \
        "$NOVELLA_CLOUDS_YAML" "$NOVELLA_STATE_DIR/clouds.yaml" </dev/null ||
        say "WARNING: a clouds.yaml was not updated (see above)"
    say "clouds novella and novella-admin written to $NOVELLA_CLOUDS_YAML and $NOVELLA_STATE_DIR/clouds.yaml"
}
