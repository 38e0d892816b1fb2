#!/usr/bin/env bash
# Time and peak memory of reconstruction through the unrolled chain (BENCHMARKS.md):
# a batch of 64 Fashion-MNIST test images, K steps of MODEL, one Adam iteration, with the
# double backward skipped (LeakyReLU, --hessian auto) and forced (--hessian always, the cost
# of a smooth-activation net of the same size). The per-iteration time is the run's time
# minus a plain forward chain (`sample`) of the same batch.
# usage: scripts/bench_reconstruct.sh MODEL [K] [THREADS]
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:?usage: bench_reconstruct.sh MODEL [K] [THREADS]}
k=${2:-100}
threads=${3:-0}
tmp=$(mktemp -d)
/usr/bin/python3 - "$tmp/batch.npy" <<'PY'
import gzip, sys, numpy as np
d = gzip.open('/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz').read()
x = np.frombuffer(d, np.uint8, offset=16).reshape(-1, 28, 28)[:64].astype(np.float32) / 127.5 - 1
np.save(sys.argv[1], np.pad(x, ((0, 0), (2, 2), (2, 2)), constant_values=-1)[:, None])
PY
measure() {  # label, command...: prints wall seconds and peak RSS
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$tmp/time" "$@" > /dev/null 2> "$tmp/err" || { cat "$tmp/err"; exit 1; }
  read -r secs kib < "$tmp/time"
  printf "%-34s %8.1f s   peak RSS %6.0f MiB\n" "$label" "$secs" "$((kib / 1024))"
  echo "$secs" > "$tmp/last"
}
measure "sample (forward chain only)" ./build/shortrun sample --model "$model" --n 64 --steps "$k" --chunk 0 --threads "$threads" --out ""
fwd=$(cat "$tmp/last")
for h in auto always; do
  measure "reconstruct 1 iter, hessian=$h" ./build/shortrun reconstruct --model "$model" --image "$tmp/batch.npy" \
    --iters 1 --steps "$k" --chunk 0 --hessian "$h" --threads "$threads" --out ""
  awk -v a="$(cat "$tmp/last")" -v f="$fwd" 'BEGIN { printf "  -> per reconstruction iteration: %.1f s\n", a - f }'
done
rm -rf "$tmp"
