#!/usr/bin/env bash
# The main job from a fresh clone: install missing Debian packages, build the programs (no
# tests), install them to ${PREFIX:-~/.local} (bin/shortrun, bin/shortrun-explorer and
# share/shortrun), sample the bundled Fashion-MNIST model into samples.png, and open the
# explorer on it. Without a display the explorer is rendered once under xvfb-run into
# explorer.png instead.
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=${PREFIX:-$HOME/.local}
bash scripts/install-deps.sh
bash scripts/build.sh -DSHORTRUN_BUILD_TESTS=OFF
cmake --install build --prefix "$prefix" > /dev/null
echo "run.sh: installed shortrun and shortrun-explorer into $prefix/bin (data in $prefix/share/shortrun)"
case ":$PATH:" in
  *":$prefix/bin:"*) ;;
  *) echo "run.sh: $prefix/bin is not on your PATH; add it: export PATH=\"$prefix/bin:\$PATH\"" ;;
esac
bin=$prefix/bin
"$bin/shortrun" info
"$bin/shortrun" sample --n 64 --out samples.png
if [ ! -x "$bin/shortrun-explorer" ]; then
  echo "run.sh: the explorer was not built (SHORTRUN_EXPLORER=0 or SHORTRUN_BUILD_EXPLORER=OFF); samples.png is the result"
  exit 0
fi
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  exec "$bin/shortrun-explorer" "$@"
fi
echo "run.sh: no display here; rendering the explorer under xvfb-run into explorer.png"
xvfb-run -a -s "-screen 0 1600x1000x24" "$bin/shortrun-explorer" --config-dir none \
  --script scripts/explorer_first_look.json --screenshot explorer.png "$@"
echo "run.sh: wrote samples.png and explorer.png"
