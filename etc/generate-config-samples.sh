#!/usr/bin/env bash
# Regenerate etc/nova/nova.conf.sample and etc/cinder/cinder.conf.sample.
#
#   etc/generate-config-samples.sh            rewrite the committed samples
#   etc/generate-config-samples.sh <dir>      write <dir>/nova.conf.sample, ... instead
#
# Uses oslo-config-generator with the etc/<project>/<project>-config-generator.conf files;
# Novella's option namespaces come from the entry points that `pip install -e .` declares
# from pyproject.toml. PYTHON selects the interpreter (default: the checkout's .venv).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
python=${PYTHON:-$repo/.venv/bin/python}
out_dir=${1:-}
# The options of this checkout, even if the venv's editable install points elsewhere.
export PYTHONPATH="$repo${PYTHONPATH:+:$PYTHONPATH}"

# project, then the hook that applies the service's own defaults (none for nova).
samples=(
    "nova"
    "cinder blockstorage.conf:set_service_defaults"
)

# Without its entry points the generator silently leaves Novella's options out.
missing=$("$python" - <<'PY'
from importlib.metadata import entry_points

wanted = {"novella.common", "novella.compute", "novella.blockstorage"}
print(" ".join(sorted(wanted - {ep.name for ep in entry_points(group="oslo.config.opts")})))
PY
)
if [ -n "$missing" ]; then
    echo "generate-config-samples: option namespaces not installed: $missing" >&2
    echo "generate-config-samples: run: $repo/.venv/bin/pip install -e '${repo}[test]'" >&2
    exit 1
fi

for entry in "${samples[@]}"; do
    read -r project hook <<<"$entry"
    output=${out_dir:-etc/$project}/$project.conf.sample
    mkdir -p "$(dirname "$output")"
    # -P: keep etc/ off sys.path; its nova/ and cinder/ directories are not packages.
    "$python" -P etc/config_generator.py ${hook:+--defaults-hook "$hook"} \
        --config-file "etc/$project/$project-config-generator.conf" --output-file "$output"
    echo "generate-config-samples: wrote $output"
done
