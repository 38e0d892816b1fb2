#!/usr/bin/env bash
# GPU check, one call on the GPU machine (a CUDA PyTorch 2.x, no Debian -dev packages; run
# scripts/gpu_prepare.sh here first and carry .gpu-deps): builds core, the CLI and the tests
# against that LibTorch with the CUDA kernels; runs the suite (the Cuda.* tests run only
# there); checks exact mode against the CPU; benches against the paper's loop on the same GPU
# in every precision mode; FD per precision mode on the bundled model. Figures -> $OUT.
set -uo pipefail
cd "$(dirname "$0")/.."
DEPS=${DEPS:-$PWD/.gpu-deps}
OUT=${OUT:-/tmp/gpu_check}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
nvidia-smi -L | tee "$OUT/gpu.txt"
py=$(command -v python3)
prefix=$($py -c "import torch;print(torch.utils.cmake_prefix_path)")
$py -c "import torch;print('torch', torch.__version__, 'cuda', torch.version.cuda)" | tee -a "$OUT/gpu.txt"
gen=(); command -v ninja >/dev/null && gen=(-G Ninja)
t0=$(date +%s)
cmake -S . -B build-gpu "${gen[@]}" -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" \
  -DSHORTRUN_NLOHMANN_INCLUDE_DIR="$DEPS/include" -DSHORTRUN_STB_INCLUDE_DIR="$DEPS/include/stb" \
  -DSHORTRUN_CLI11_INCLUDE_DIR="$DEPS/include" -DSHORTRUN_RANDOM123_INCLUDE_DIR="$DEPS/include" \
  -DSHORTRUN_GTEST_SOURCE_DIR="$DEPS/googletest" -DSHORTRUN_CUDA_ARCHITECTURES=native \
  -DSHORTRUN_BUILD_EXPLORER=OFF -DSHORTRUN_REFERENCE_PYTHON="$py" > "$OUT/cmake.log" 2>&1 \
  || { tail -40 "$OUT/cmake.log"; exit 1; }
grep -E "LibTorch|CUDA kernels" "$OUT/cmake.log"
cmake --build build-gpu -j "$(nproc)" > "$OUT/build.log" 2>&1 || { grep -m20 -A5 "error" "$OUT/build.log"; exit 1; }
echo "build: $(( $(date +%s) - t0 )) s"
s=./build-gpu/shortrun
timeout 120 ./build-gpu/tests/shortrun_tests --gtest_filter='Cuda.*' 2>&1 | tail -12 | tee "$OUT/cuda_tests.txt"
ctest --test-dir build-gpu -j 8 --timeout 300 --output-on-failure -E 'explorer' > "$OUT/ctest.log" 2>&1; echo "ctest rc=$?"
tail -6 "$OUT/ctest.log"
ref=$DEPS/paper-recipe-fmnist.pth
[ -f "$ref" ] || ref=assets/fmnist.safetensors
for dev in cuda cpu; do  # exact mode, noise-free, 20 steps, CUDA vs CPU
  $s sample --model "$ref" --device $dev --n 64 --steps 20 --noise 0 --seed 3 --npy "$OUT/$dev.npy" --out "" -q
done
$py - "$OUT" <<'PY' | tee "$OUT/exact_vs_cpu.txt"
import sys, numpy as np
o = sys.argv[1]
a, b = np.load(f"{o}/cuda.npy"), np.load(f"{o}/cpu.npy")
rel = np.linalg.norm(a - b) / np.linalg.norm(b)
print("exact, noise-free, 20 steps: CUDA vs CPU relative error %.3g (limit 1e-4): %s" % (rel, "ok" if rel <= 1e-4 else "FAIL"))
PY
bench() { timeout 150 $s bench --device cuda --python "$py" "$@" 2>/dev/null | tail -1 | tee -a "$OUT/bench.jsonl"; }
for n in 64 1024; do
  for p in exact tf32 bf16; do bench --n $n --precision $p --iters 5 --warmup 2; done
  bench --n $n --precision exact --no-cuda-graph --iters 5 --warmup 2
done
for p in exact tf32; do bench --train --precision $p --iters 10 --warmup 3; done
for p in exact tf32 bf16; do  # FD of the bundled model per precision mode (the default must stay within 5%)
  timeout 120 $s eval --model assets/fmnist.safetensors --device cuda --precision $p --n 2000 \
    --data "idx:$DEPS/t10k-images-idx3-ubyte.gz" 2>/dev/null | tail -1 | sed "s/^/$p /" | tee -a "$OUT/fd.txt"
done
