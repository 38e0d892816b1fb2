#!/usr/bin/env bash
# The readers under ASan + UBSan: builds build-fuzz/ (clang, SHORTRUN_FUZZ), runs the loaders'
# GoogleTests there, then each libFuzzer harness (fuzz/) for SECONDS with a 1 GiB RSS limit.
#
# usage: scripts/fuzz.sh [SECONDS]     (default 60 per fuzzer)
#   FUZZ_TARGETS="pth torchscript npy safetensors image folder idx model_card"   which fuzzers, in this order
#   BUILD_DIR=build-fuzz                           where to build (the corpus grows in BUILD_DIR/corpus)
#   SHORTRUN_FIXTURE_DIR=DIR                       existing fixtures of tests/reference/make_fixtures.py
#   FUZZ_SKIP_TESTS=1                              only the fuzzers
#   FUZZ_SEED=N                                    libFuzzer's seed (CI: 1, so that a commit's inputs
#                                                  are the same on every run); unset: random
# Exit 1 if a test fails or a fuzzer finds a crash, leak, timeout or OOM; each finding is printed
# with the file that reproduces it (replay: BUILD_DIR/fuzz/fuzz_TARGET FILE).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
targets=${FUZZ_TARGETS:-pth torchscript npy safetensors image folder idx model_card}
dir=${BUILD_DIR:-build-fuzz}
root=$PWD

# Debian packages: the build's own, plus clang and its runtimes (libclang-rt-dev provides
# libclang_rt.fuzzer, asan and ubsan for Debian's default clang), and libjpeg-turbo, which the
# main build may go without but fuzz_image needs.
SHORTRUN_EXPLORER=0 bash scripts/install-deps.sh
missing=()
for p in clang libclang-rt-dev python3-pil libjpeg62-turbo-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "fuzz: installing ${missing[*]}"
  as_root=()
  [ "$(id -u)" -ne 0 ] && as_root=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${as_root[@]}" apt-get update -q
  "${as_root[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

t0=$(date +%s)
fixtures=()
[ -n "${SHORTRUN_FIXTURE_DIR:-}" ] && fixtures=(-DSHORTRUN_FIXTURE_DIR="$(realpath "$SHORTRUN_FIXTURE_DIR")")
mkdir -p "$dir"
cmake -S . -B "$dir" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSHORTRUN_FUZZ=ON \
  -DSHORTRUN_BUILD_EXPLORER=OFF "${fixtures[@]}" > "$dir/configure.log" 2>&1 || { cat "$dir/configure.log"; exit 1; }
# fuzz_image covers our libjpeg-turbo wrapper: a build that reads PNG only would not.
grep -q "JPEG: libjpeg" "$dir/configure.log" || { echo "fuzz: libjpeg-turbo not found (libjpeg62-turbo-dev)" >&2; exit 1; }
cmake --build "$dir" -j "${FUZZ_BUILD_JOBS:-$(nproc 2>/dev/null || echo 2)}"
echo "fuzz: built in $(( $(date +%s) - t0 )) s"

export ASAN_OPTIONS=detect_leaks=1:symbolize=1:abort_on_error=0
export LSAN_OPTIONS=suppressions=$root/fuzz/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export OMP_NUM_THREADS=1
if [ "${FUZZ_SKIP_TESTS:-0}" != 1 ]; then
  t1=$(date +%s)
  ctest --test-dir "$dir" --output-on-failure
  echo "fuzz: the loaders' GoogleTests passed under ASan + UBSan in $(( $(date +%s) - t1 )) s"
fi

# Seeds: the hostile corpus at 1/100 scale and small valid files (fuzz/make_seeds.py).
rm -rf "$dir/seeds"
/usr/bin/python3 fuzz/make_seeds.py "$dir/seeds"

# Inputs are written to a file per fuzzer process (the readers take paths): in memory, here.
shm=/dev/shm
[ -w /dev/shm ] || shm=${TMPDIR:-/tmp}
export TMPDIR=$shm/shortrun_fuzz.$$
mkdir -p "$TMPDIR"
trap 'rm -rf "$TMPDIR"' EXIT
status=0
summary=()
for t in $targets; do
  corpus=$dir/corpus/$t artifacts=$dir/artifacts/$t/ log=$dir/logs/$t.log
  mkdir -p "$corpus" "$artifacts" "$dir/logs"
  rm -f "$artifacts"/*
  echo "fuzz: $t for $seconds s, seed ${FUZZ_SEED:-random} (log: $log)"
  rc=0
  "$dir/fuzz/fuzz_$t" ${FUZZ_SEED:+-seed="$FUZZ_SEED"} -max_total_time="$seconds" -rss_limit_mb=1024 -timeout=20 -max_len=262144 \
    -artifact_prefix="$artifacts" -print_final_stats=1 "$corpus" "$dir/seeds/$t" > "$log" 2>&1 || rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log")
  found=$(ls "$artifacts" 2>/dev/null | grep -v '^slow-unit-' || true)  # slow: not a finding
  if [ "$rc" != 0 ] || [ -n "$found" ]; then
    status=1
    grep -E "ERROR: |SUMMARY: |fuzz: .* escaped|runtime error|==[0-9]+==" "$log" | head -20 || true
    tail -n 30 "$log"
    for f in $found; do echo "fuzz: $t FOUND $artifacts$f (replay: $dir/fuzz/fuzz_$t $artifacts$f)"; done
    [ -z "$found" ] && echo "fuzz: $t FAILED (exit $rc) without a reproducer; see $log"
    summary+=("$t: FAILED after ${runs:-?} runs (exit $rc)")
  else
    summary+=("$t: ${seconds} s, ${runs:-?} runs, ${rate:-?} exec/s, peak RSS ${rss:-?} MB, corpus $(ls "$corpus" | wc -l) files, nothing found")
  fi
done
printf 'fuzz: %s\n' "${summary[@]}"
echo "fuzz: done in $(( $(date +%s) - t0 )) s"
exit "$status"
