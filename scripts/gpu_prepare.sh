#!/usr/bin/env bash
# Fills .gpu-deps (git-ignored, carried to the GPU machine) with what that machine lacks:
# the header-only dependencies and GoogleTest sources from this Debian machine's packages,
# the paper-recipe reference model and the Fashion-MNIST test split.
set -euo pipefail
cd "$(dirname "$0")/.."
d=.gpu-deps
rm -rf "$d" && mkdir -p "$d/include"
cp -r /usr/include/nlohmann /usr/include/CLI /usr/include/Random123 "$d/include/"
mkdir -p "$d/include/stb" && cp /usr/include/stb/*.h "$d/include/stb/"  # stb_truetype too: the CLI draws text
cp -r /usr/src/googletest "$d/googletest"
# zlib's header (the readers inflate zip and gzip themselves); the GPU machine has the library only.
cp /usr/include/zlib.h /usr/include/zconf.h "$d/include/"
ref=${REFERENCE_MODEL:-../shared/reference/paper-recipe-fmnist.pth}
[ -f "$ref" ] && cp "$ref" "$d/"
cp /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz "$d/" 2>/dev/null || true
du -sh "$d"
