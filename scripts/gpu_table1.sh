#!/usr/bin/env bash
# Issue 26's last figure on a GPU machine: the paper's Table 1 analogue for the bundled EBM, VAE
# and GAN with reconstruction MSE over 1,000 test images (the CPU measured 100: the EBM's
# reconstruction through its unrolled 50-step chain takes about 28 s per image on one core, so
# 1,000 plain and 1,000 masked ones are about 16 CPU-hours on the 2-core dev machine).
# The MSE columns do not depend on the device beyond rounding; the seconds columns of the README
# stay the CPU's (this run's are the GPU's and are labelled so in its JSON: "device").
#
# Run it after scripts/gpu_check.sh in the same device session: it uses build-gpu/shortrun.
# usage: OUT=/tmp/out bash scripts/gpu_table1.sh        (GPU_TABLE1_TIMEOUT_S=400)
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/gpu_table1}
mkdir -p "$OUT"
s=./build-gpu/shortrun
[ -x "$s" ] || { echo "gpu_table1: $s is missing; run scripts/gpu_check.sh first (it builds it)"; exit 1; }
timeout "${GPU_TABLE1_TIMEOUT_S:-400}" "$s" compare-models --device cuda --n 1000 --recon-n 1000 \
  --json "$OUT/table1_1000.json" --png "$OUT/table1_1000.png" 2>&1 | tee "$OUT/table1_1000.log"
echo "gpu_table1: exit ${PIPESTATUS[0]}"
