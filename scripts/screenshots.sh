#!/usr/bin/env bash
# Renders the README's explorer screenshots (docs/screenshots/*.png) with the real GUI under
# xvfb-run, each driven by the --script next to it. Needs a build (scripts/build.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
for script in docs/screenshots/*.json; do
  name=$(basename "$script" .json)
  echo "screenshot: $name"
  xvfb-run -a -s "-screen 0 1600x1000x24" ./build/shortrun-explorer --config-dir none --size 1280x800 \
    --script "$script" --screenshot "docs/screenshots/$name.png" "$@"
done
