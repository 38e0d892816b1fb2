#!/usr/bin/env bash
# The main job from a fresh clone: install missing Debian packages, build, sample the bundled
# Fashion-MNIST model into samples.png, and open the explorer on it. Without a display the
# explorer is rendered once under xvfb-run into explorer.png instead.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
./build/shortrun info
./build/shortrun sample --n 64 --out samples.png
if [ ! -x build/shortrun-explorer ]; then
  echo "run.sh: the explorer was not built (SHORTRUN_BUILD_EXPLORER=OFF?); samples.png is the result"
  exit 0
fi
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  exec ./build/shortrun-explorer "$@"
fi
echo "run.sh: no display here; rendering the explorer under xvfb-run into explorer.png"
xvfb-run -a -s "-screen 0 1600x1000x24" ./build/shortrun-explorer --config-dir none \
  --script scripts/explorer_first_look.json --screenshot explorer.png "$@"
echo "run.sh: wrote samples.png and explorer.png"
