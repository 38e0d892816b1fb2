#!/usr/bin/env bash
# The GPU check, in one device call (issue 21): phases ordered by what they tell, each with its
# own time limit inside one budget, so that a slow or failing phase never costs the ones before
# it. Runs on the GPU machine (a CUDA PyTorch 2.x, none of Debian's -dev packages) from the
# repository root, after scripts/gpu_prepare.sh filled .gpu-deps here (carry it).
#
#   1. environment: GPU, driver, torch, cmake, nvcc, zlib; configure with -DSHORTRUN_CUDA=ON
#      (configure stops at once if the CUDA kernels would be left out)
#   2. build the test binary and the CLI in one build (timed), run Cuda.* with
#      SHORTRUN_EXPECT_CUDA=1 (a skip is a failure there)
#   3. exact mode against the CPU, noise-free, at 1 step and at 20 steps (the 1-step error
#      tells a bug from LeakyReLU chaos)
#   4. benches at 64 and 1,024 chains in each precision mode against the paper's loop on the
#      same card, then training, then FD per mode
#   5. the explorer with CUDA-GL interop, if this machine can build and show it; else what is
#      missing
#
# Everything goes to at most five files under $OUT: gpu_check.log (all output, stderr too),
# summary.json (one object: every phase's verdict and figures), bench.jsonl, and, from phase 5,
# explorer.png and explorer_state.json.
#
# usage: bash scripts/gpu_check.sh          GPU_CHECK_BUDGET_S=540 (whole run), OUT=/tmp/gpu_check
set -uo pipefail
cd "$(dirname "$0")/.."
DEPS=${DEPS:-$PWD/.gpu-deps}
OUT=${OUT:-/tmp/gpu_check}
BUDGET=${GPU_CHECK_BUDGET_S:-540}  # the build from scratch takes ~175 s on 16 cores (H200 machine)
mkdir -p "$OUT"
FACTS=$(mktemp -d)  # one small JSON per fact, joined into summary.json at the end
trap 'rm -rf "$FACTS"' EXIT
exec > >(tee -a "$OUT/gpu_check.log") 2>&1
export PYTHONUNBUFFERED=1 SHORTRUN_EXPECT_CUDA=1
t0=$(date +%s)
py=$(command -v python3)
left() { echo $(( BUDGET - ($(date +%s) - t0) )); }
# fact KEY JSON: records one figure or verdict for summary.json.
fact() { printf '%s' "$2" > "$FACTS/$1.json"; }
jstr() { $py -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$1"; }
phase() { echo; echo "== phase $1 ($(( $(date +%s) - t0 )) s in, $(left) s left)"; }
summary() {
  $py - "$FACTS" "$OUT/summary.json" <<'PY'
import json, os, sys
facts, out = sys.argv[1], sys.argv[2]
summary = {}
for name in sorted(os.listdir(facts)):
    with open(os.path.join(facts, name)) as fh:
        text = fh.read()
    try:
        summary[name[:-5]] = json.loads(text)
    except ValueError:
        summary[name[:-5]] = text
with open(out, "w") as fh:
    json.dump(summary, fh, indent=1, sort_keys=True)
print(json.dumps(summary, sort_keys=True))
PY
}
finish() { fact total_s "$(( $(date +%s) - t0 ))"; echo; echo "== summary"; summary; exit "${1:-0}"; }

# ---- 1. environment and configure ----
phase "1: environment"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || { fact gpu '"none"'; finish 1; }
fact gpu "$(jstr "$(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | head -1)")"
fact torch "$(jstr "$($py -c 'import torch; print(torch.__version__, "cuda", torch.version.cuda)' 2>&1 | tail -1)")"
fact cmake "$(jstr "$(cmake --version | head -1)")"
nvcc=$(command -v nvcc || ls /usr/local/cuda/bin/nvcc 2>/dev/null || true)
fact nvcc "$(jstr "${nvcc:+$($nvcc --version | tail -1)}")"
# zlib: the build reads gzip and zip itself. The header comes from .gpu-deps when the machine has
# none; the library is the runtime's libz.so.1 when no development symlink exists.
zinc=(); [ -f /usr/include/zlib.h ] || zinc=(-DZLIB_INCLUDE_DIR="$DEPS/include")
zlib=$(ls /usr/lib/x86_64-linux-gnu/libz.so 2>/dev/null || ldconfig -p | awk '/libz\.so/{print $NF; exit}')
fact zlib "$(jstr "${zlib:-missing}")"
prefix=$($py -c "import torch; print(torch.utils.cmake_prefix_path)")
gen=(); command -v ninja >/dev/null && gen=(-G Ninja)
t=$(date +%s)
timeout "$(left)" cmake -S . -B build-gpu "${gen[@]}" -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" \
  -DSHORTRUN_CUDA=ON -DSHORTRUN_NLOHMANN_INCLUDE_DIR="$DEPS/include" -DSHORTRUN_STB_INCLUDE_DIR="$DEPS/include/stb" \
  -DSHORTRUN_CLI11_INCLUDE_DIR="$DEPS/include" -DSHORTRUN_RANDOM123_INCLUDE_DIR="$DEPS/include" \
  -DSHORTRUN_GTEST_SOURCE_DIR="$DEPS/googletest" -DSHORTRUN_CUDA_ARCHITECTURES=native \
  ${nvcc:+-DCMAKE_CUDA_COMPILER="$nvcc"} "${zinc[@]}" ${zlib:+-DZLIB_LIBRARY="$zlib"} \
  -DSHORTRUN_BUILD_EXPLORER=OFF -DSHORTRUN_REFERENCE_PYTHON="$py" > "$FACTS/configure.log" 2>&1
rc=$?
grep -E "LibTorch|CUDA kernels" "$FACTS/configure.log"
fact configure "{\"rc\": $rc, \"s\": $(( $(date +%s) - t ))}"
if [ $rc != 0 ]; then tail -40 "$FACTS/configure.log"; finish 1; fi

# ---- 2. the test binary, Cuda.*; the CLI meanwhile ----
phase "2: build the tests and the CLI together, run Cuda.*"
# One build of both targets keeps all cores busy (building the CLI behind the tests left most of
# them idle while the test binary's last files compiled).
# GPU_CHECK_QUICK=1 (a second call after the tests passed): the CLI only, no Cuda.* run.
targets=(shortrun_tests shortrun); [ "${GPU_CHECK_QUICK:-0}" = 1 ] && targets=(shortrun)
t=$(date +%s)
timeout "$(left)" cmake --build build-gpu -j "$(nproc)" --target "${targets[@]}" > "$FACTS/build.log" 2>&1
rc=$?
fact build "{\"rc\": $rc, \"s\": $(( $(date +%s) - t ))}"
if [ $rc != 0 ]; then grep -m20 -B2 -A8 "error" "$FACTS/build.log"; tail -5 "$FACTS/build.log"; finish 1; fi
rm -f "$FACTS/build.log"
if [ "${GPU_CHECK_QUICK:-0}" != 1 ]; then
t=$(date +%s)
timeout 120 ./build-gpu/tests/shortrun_tests --gtest_filter='Cuda.*' --gtest_output=json:"$FACTS/cuda_tests_raw.json"
rc=$?
$py - "$FACTS/cuda_tests_raw.json" > "$FACTS/cuda_tests.json" <<'PY' || echo '{"rc": "no report"}' > "$FACTS/cuda_tests.json"
import json, sys
r = json.load(open(sys.argv[1]))
cases = [c for s in r["testsuites"] for c in s["testsuite"]]
print(json.dumps({"tests": r["tests"], "failures": r["failures"],
                  "failed": [c["name"] for c in cases if c.get("failures")],
                  "skipped": [c["name"] for c in cases if c.get("result") == "SKIPPED"]}))
PY
rm -f "$FACTS/cuda_tests_raw.json"
fact cuda_tests_s "$(( $(date +%s) - t ))"
fi
s=./build-gpu/shortrun

# ---- 3. exact mode against the CPU ----
phase "3: exact vs CPU, noise-free, 1 and 20 steps"
ref=$DEPS/paper-recipe-fmnist.pth
[ -f "$ref" ] || ref=assets/fmnist.safetensors
# cpu_sse41: the CPU against itself (oneDNN held to SSE4.1), the yardstick for the GPU's error:
# after 20 steps the chain has amplified float32 rounding differences whoever made them.
for steps in 1 20; do
  for run in cuda cpu cpu_sse41; do
    isa=(); [ "$run" = cpu_sse41 ] && isa=(env DNNL_MAX_CPU_ISA=SSE41)
    timeout 60 "${isa[@]}" $s sample --model "$ref" --device "${run%_sse41}" --precision exact --n 64 --steps $steps \
      --noise 0 --seed 3 --npy "$FACTS/${run}_$steps.npy" --out "" -q || echo "sample ($run) --steps $steps failed"
  done
done
$py - "$FACTS" > "$FACTS/exact_vs_cpu.json" <<'PY'
import json, os, struct, sys
d = sys.argv[1]
def load(path):  # float32 .npy without numpy (the device's Python may lack it)
    with open(path, "rb") as fh:
        raw = fh.read()
    n = struct.unpack("<H", raw[8:10])[0]
    return struct.unpack("<%df" % ((len(raw) - 10 - n) // 4), raw[10 + n:])
def rel_err(a, b):
    try:
        a, b = load(f"{d}/{a}"), load(f"{d}/{b}")
    except OSError as e:
        return str(e)
    return sum((x - y) ** 2 for x, y in zip(a, b)) ** 0.5 / sum(y * y for y in b) ** 0.5
out = {"limit": 1e-4}
for steps in (1, 20):
    out[f"rel_err_{steps}_steps"] = rel_err(f"cuda_{steps}.npy", f"cpu_{steps}.npy")
    out[f"cpu_sse41_vs_cpu_{steps}_steps"] = rel_err(f"cpu_sse41_{steps}.npy", f"cpu_{steps}.npy")
print(json.dumps(out))
PY
cat "$FACTS/exact_vs_cpu.json"; echo
rm -f "$FACTS"/*.npy

# ---- 4. benches, training, FD ----
phase "4: benches (64 and 1024 chains x modes), training, FD per mode"
bench() {  # bench ARGS...: one JSON line into bench.jsonl, or a line saying why not
  local limit=$(( $(left) < 60 ? $(left) : 60 ))
  if [ "$limit" -le 10 ]; then echo "{\"skipped\": \"budget\", \"args\": $(jstr "$*")}" >> "$OUT/bench.jsonl"; return; fi
  local line rc
  line=$(timeout "$limit" $s bench --device cuda --python "$py" "$@" | tail -1)
  rc=${PIPESTATUS[0]}
  [ "$rc" = 124 ] && line="{\"timed_out_s\": $limit, \"args\": $(jstr "$*")}"
  [ -n "$line" ] || line="{\"failed\": $(jstr "$*"), \"rc\": $rc}"
  echo "$line" | tee -a "$OUT/bench.jsonl"
}
# Ordered by what is still unmeasured after the 2026-12-04 run: sampling, training, FD, and the
# graph-off comparisons last.
for n in 64 1024; do
  for p in exact tf32 bf16; do bench --n $n --precision $p --iters 5 --warmup 2; done
done
for p in exact bf16; do bench --train --precision $p --iters 3 --warmup 1; done
data=$DEPS/t10k-images-idx3-ubyte.gz
for p in exact tf32 bf16; do  # the CUDA default must stay within 5% of exact's FD
  limit=$(( $(left) < 90 ? $(left) : 90 ))
  if [ "$limit" -le 15 ] || [ ! -f "$data" ]; then fact "fd_$p" '"skipped (budget or no data)"'; continue; fi
  t=$(date +%s)
  msg=$(timeout "$limit" $s eval --model assets/fmnist.safetensors --device cuda --precision $p --n 2000 \
    --data "idx:$data" --json "$FACTS/fd_$p.out" 2>&1 | tail -2)
  $py - "$FACTS/fd_$p.out" "$msg" "$(( $(date +%s) - t ))" > "$FACTS/fd_$p.json" <<'PY'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
    print(json.dumps({k: v for k, v in r.items() if k.startswith("fd") or k in ("n", "seconds")}))
except (OSError, ValueError):
    print(json.dumps({"error": sys.argv[2], "s": int(sys.argv[3])}))
PY
  rm -f "$FACTS/fd_$p.out"
done
for n in 64 1024; do bench --n $n --precision exact --no-cuda-graph --iters 5 --warmup 2; done

# ---- 5. the explorer through CUDA-GL interop ----
phase "5: explorer with interop"
missing=()
ldconfig -p | grep -q 'libEGL_nvidia\|libGLX_nvidia' || missing+=("an NVIDIA GL/EGL library")
for h in imgui.h GLFW/glfw3.h GL/glew.h; do [ -f "/usr/include/$h" ] || [ -f "$DEPS/include/$h" ] || missing+=("$h"); done
command -v Xvfb >/dev/null || missing+=("Xvfb")
if [ ${#missing[@]} -gt 0 ]; then
  fact explorer "$(jstr "skipped: missing ${missing[*]}")"
else
  fact explorer '"deps present: build and run it by hand (not automated yet)"'
fi
finish 0
