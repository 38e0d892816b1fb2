#!/usr/bin/env bash
# Configures and builds Shortrun into ${BUILD_DIR:-build} (Release). Extra arguments go to CMake;
# SHORTRUN_EXPLORER=0 leaves the GUI out.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
dir=${BUILD_DIR:-build}
explorer=()
[ "${SHORTRUN_EXPLORER:-1}" = 0 ] && explorer=(-DSHORTRUN_BUILD_EXPLORER=OFF)  # no GUI packages, no GUI
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release "${explorer[@]}" "$@"
cmake --build "$dir" -j "$jobs"
