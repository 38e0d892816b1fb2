#!/usr/bin/env bash
# The main job from a fresh clone: install missing Debian packages, build, and sample the
# bundled Fashion-MNIST model into samples.png.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
./build/shortrun info
./build/shortrun sample --n 64 --out samples.png
