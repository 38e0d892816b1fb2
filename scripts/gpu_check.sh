#!/usr/bin/env bash
# GPU check (run on a machine with a CUDA PyTorch 2.x and no Debian -dev packages): builds core,
# the CLI and the tests against that LibTorch, runs the suite, and compares CUDA against CPU
# sampling. Header-only dependencies and GoogleTest sources come from DEPS (default .gpu-deps,
# made on a Debian machine: nlohmann/, CLI/, stb/ headers under include/, googletest/).
set -uo pipefail
cd "$(dirname "$0")/.."
DEPS=${DEPS:-$PWD/.gpu-deps}
OUT=${OUT:-/tmp/gpu_check}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
nvidia-smi -L
py=$(command -v python3)
prefix=$($py -c "import torch;print(torch.utils.cmake_prefix_path)")
$py -c "import torch;print('torch', torch.__version__, 'cuda', torch.version.cuda)"
gen=(); command -v ninja >/dev/null && gen=(-G Ninja)
t0=$(date +%s)
cmake -S . -B build-gpu "${gen[@]}" -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" \
  -DSHORTRUN_NLOHMANN_INCLUDE_DIR="$DEPS/include" -DSHORTRUN_STB_INCLUDE_DIR="$DEPS/include/stb" \
  -DSHORTRUN_CLI11_INCLUDE_DIR="$DEPS/include" -DSHORTRUN_GTEST_SOURCE_DIR="$DEPS/googletest" \
  -DSHORTRUN_BUILD_EXPLORER=OFF -DSHORTRUN_REFERENCE_PYTHON="$py" > "$OUT/cmake.log" 2>&1 \
  || { tail -40 "$OUT/cmake.log"; exit 1; }
cmake --build build-gpu -j "$(nproc)" > "$OUT/build.log" 2>&1 || { grep -m20 -A5 "error" "$OUT/build.log"; exit 1; }
echo "build: $(( $(date +%s) - t0 )) s"
ctest --test-dir build-gpu -j 8 --output-on-failure > "$OUT/ctest.log" 2>&1; echo "ctest rc=$?"
tail -15 "$OUT/ctest.log"
ref=$DEPS/paper-recipe-fmnist.pth
if [ -f "$ref" ]; then
  for dev in cuda cpu; do
    ./build-gpu/shortrun sample --model "$ref" --device $dev --n 64 --steps 100 --seed 3 \
      --npy "$OUT/$dev.npy" --out "$OUT/$dev.png"
  done
  ./build-gpu/shortrun sample --model "$ref" --device cuda --n 1024 --chunk 0 --steps 100 --out "" -q || true
  ./build-gpu/shortrun sample --model "$ref" --device cuda --n 1024 --chunk 0 --steps 100 --out ""
  $py - "$OUT" <<'PY'
import sys, numpy as np
o = sys.argv[1]
a, b = np.load(f"{o}/cuda.npy"), np.load(f"{o}/cpu.npy")
print("cuda vs cpu: max |diff| %.3g, mean |diff| %.3g, range %.3g" % (abs(a-b).max(), abs(a-b).mean(), abs(b).max()))
PY
  if [ "${GPU_EVAL_RECON:-0}" = 1 ]; then  # the paper's reconstruction metric, 500 test images
    ./build-gpu/shortrun eval-recon --model "$ref" --device cuda --data "idx:$DEPS/t10k-images-idx3-ubyte.gz" \
      --n 500 --batch 500 --iters 200 --chunk 0 2> "$OUT/eval_recon.log"; tail -2 "$OUT/eval_recon.log"
  fi
fi
