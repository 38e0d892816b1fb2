#!/usr/bin/env bash
# The whole test suite from a fresh clone: install missing Debian packages, build with the
# tests on, run CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh -DSHORTRUN_BUILD_TESTS=ON
ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure -j "$(nproc 2>/dev/null || echo 2)"
