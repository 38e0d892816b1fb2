#!/bin/bash
# The CPU cells of BENCHMARKS.md's "Chains in parallel" section (issue 28), in one go: wall time
# of `sample --n 256 --steps 10` alone and four at once under each --parallel choice and OpenMP
# wait policy, bench's ops-vs-chains cells, bf16 against exact, and `bench --suite cpu`.
# Run it with nothing else on the machine for the idle cells; it prints the load before each.
# Usage: bash scripts/bench_cpu_cells.sh [path/to/shortrun]   (default: build/shortrun)
set -u
B=$(realpath "${1:-build/shortrun}")
S="sample --n 256 --steps 10 --out '' -q"
load() { echo "load $(cut -d' ' -f1-3 /proc/loadavg)"; }
now() { date +%s.%N; }
one() { local s; s=$(now); eval "$1 '$B' $S $2" >/dev/null 2>&1; echo "$(echo "$(now) - $s" | bc)"; }
four() {
  local s; s=$(now)
  for _ in 1 2 3 4; do eval "$1 '$B' $S $2" >/dev/null 2>&1 & done
  wait
  echo "$(echo "$(now) - $s" | bc)"
}
echo "== $S with the bundled model, wall s, one run alone"
for _ in 1 2 3; do
  load
  echo "ops passive: $(one '' '--parallel ops')"
  echo "ops spinning: $(one GOMP_SPINCOUNT=300000 '--parallel ops')"
  echo "chains passive: $(one '' '--parallel chains')"
  echo "chains spinning: $(one GOMP_SPINCOUNT=300000 '--parallel chains')"
  echo "auto (default): $(one '' '')"
done
echo "== four at once"
for _ in 1 2; do
  load
  echo "four ops passive: $(four '' '--parallel ops')"
  echo "four chains passive: $(four '' '--parallel chains')"
  echo "four ops spinning: $(four GOMP_SPINCOUNT=300000 '--parallel ops')"
done
echo "== bench ops vs chains, 2 threads"
for p in ops chains; do load; "$B" bench --nf 16 --n 64 --steps 10 --threads 2 --parallel $p 2>&1 | tail -n 2 | head -n 1; done
for p in ops chains; do load; "$B" bench --nf 64 --n 64 --steps 5 --threads 2 --parallel $p 2>&1 | tail -n 2 | head -n 1; done
echo "== bf16 vs exact, n_f=64"
for p in exact bf16 exact bf16; do load; echo "$p: $("$B" bench --nf 64 --n 64 --steps 5 --threads 2 --precision $p 2>&1 | tail -n 2 | head -n 1)"; done
echo "== bench --suite cpu"
load; "$B" bench --suite cpu 2>&1 | grep -v '^{'
echo "== training step, 5 timed iterations"
load; "$B" bench --train --nf 64 --n 64 --steps 10 --threads 1 --iters 5 2>&1 | tail -n 2 | head -n 1
load
