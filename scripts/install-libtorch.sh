#!/usr/bin/env bash
# Installs today's PyTorch from PyPI into a cached virtual environment and prints its LibTorch
# CMake prefix (what GPU users build against). Wheels and the venv are cached outside the
# clone, in $SHORTRUN_CACHE (default ~/.cache/shortrun), so a second run downloads nothing.
# usage: scripts/install-libtorch.sh [--print-prefix]   (TORCH_VERSION= overrides the pin)
set -euo pipefail
version=${TORCH_VERSION:-2.15.0}
cache=${SHORTRUN_CACHE:-$HOME/.cache/shortrun}
venv=$cache/venv-torch-$version
wheels=$cache/wheels
log() { [ "${1:-}" = --quiet ] || echo "install-libtorch: $*" >&2; }

if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import torch" 2>/dev/null; then
  py=$(command -v python3)
  if ! "$py" -c "import venv, ensurepip" 2>/dev/null; then
    bash "$(dirname "$0")/install-deps.sh" --only python3-venv
    py=/usr/bin/python3
  fi
  mkdir -p "$wheels"
  log "downloading torch $version and its CUDA runtime wheels into $wheels (about 4 GB, once)"
  t0=$(date +%s)
  # Download first, install from the cache only: an interrupted download resumes next time.
  "$py" -m pip download -q -d "$wheels" "torch==$version" >&2
  rm -rf "$venv"
  "$py" -m venv "$venv"
  "$venv/bin/python" -m pip install -q --no-index --find-links "$wheels" "torch==$version" >&2
  log "installed in $(( $(date +%s) - t0 )) s: $venv"
fi
# The LibTorch root (torch/), not torch.utils.cmake_prefix_path: CMake then finds its libraries
# before any system libtorch (Debian's 1.13 may be installed too).
"$venv/bin/python" -c "import os, torch; print(os.path.dirname(torch.__file__))" 2>/dev/null
