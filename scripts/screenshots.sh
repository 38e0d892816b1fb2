#!/usr/bin/env bash
# Renders the README's explorer screenshots (docs/screenshots/*.png) with the real GUI under
# xvfb-run, each driven by the --script next to it, at 1280x800 unless its name ends in _WxH
# (chains_800x500.json). Needs a build (scripts/build.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
for script in docs/screenshots/*.json; do
  name=$(basename "$script" .json)
  size=1280x800
  [[ "$name" =~ _([0-9]+x[0-9]+)$ ]] && size=${BASH_REMATCH[1]}
  echo "screenshot: $name ($size)"
  xvfb-run -a -s "-screen 0 2000x1200x24" ./build/shortrun-explorer --config-dir none --size "$size" \
    --script "$script" --screenshot "docs/screenshots/$name.png" "$@"
done
