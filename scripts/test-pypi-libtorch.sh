#!/usr/bin/env bash
# The whole suite against today's PyTorch LibTorch from PyPI (what GPU users build against):
# installs it into a cached venv (scripts/install-libtorch.sh), builds everything into
# build-pypi (with a CUDA LibTorch and nvcc present, the CUDA kernels and the explorer's
# CUDA-GL interop are compiled and linked), then runs CTest; GPU-only tests skip without a GPU.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
root=$(bash scripts/install-libtorch.sh)
BUILD_DIR=build-pypi bash scripts/build.sh -DCMAKE_PREFIX_PATH="$root" -DSHORTRUN_BUILD_TESTS=ON
ctest --test-dir build-pypi --output-on-failure -j "$(nproc 2>/dev/null || echo 2)"
