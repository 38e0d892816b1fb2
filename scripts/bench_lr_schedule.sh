#!/usr/bin/env bash
# Does a learning-rate schedule steady the bundled recipe (assets/README.md: n_f=16, K=40, clamp;
# its gap oscillates from iteration ~3,500 on)? Trains the recipe twice, constant vs cosine over
# ITERS iterations, in alternating chunks of CHUNK iterations so both arms advance together.
# Resumable: run it again and each arm continues from its checkpoint (--resume). Writes
# ROOT/summary.json (gap spread after iteration 3,500, FD evaluations) after every chunk.
# Slow (about 1.5 h per arm on 2 idle cores); never run by the tests. Typical use:
#   nohup nice -n 15 bash scripts/bench_lr_schedule.sh > runs/lr_schedule.log 2>&1 &
# The shorter warm-start form forks both arms from weights already in the oscillating regime
# (the bundled model is the run's iteration 5,000) and judges the gap from the first iteration:
#   INIT=assets/fmnist.safetensors ITERS=600 CHUNK=100 EVAL_EVERY=100 LATE_FROM=0 \
#     ROOT=runs/lr_warm bash scripts/bench_lr_schedule.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${SHORTRUN:-build/shortrun}
ROOT=${ROOT:-runs/lr_schedule}
ITERS=${ITERS:-6000}
CHUNK=${CHUNK:-250}
THREADS=${THREADS:-2}
PY=${PYTHON:-/usr/bin/python3}
INIT=${INIT:-}              # warm start: a checkpoint of the recipe's architecture ("" = from scratch)
EVAL_EVERY=${EVAL_EVERY:-250}
LATE_FROM=${LATE_FROM:-3500}  # the gap's spread is measured from this iteration on
init_flags=()
[ -n "$INIT" ] && init_flags=(--init-weights "$INIT")
[ -x "$BIN" ] || { echo "bench_lr_schedule: $BIN not found (build first or set SHORTRUN=...)" >&2; exit 1; }
mkdir -p "$ROOT"
arms=(constant cosine)
schedule_of() { [ "$1" = cosine ] && echo "cosine:$ITERS" || echo constant; }

iteration_of() {  # the arm's last finished iteration (0 when not started)
  local f="$ROOT/$1/metrics.jsonl"
  [ -f "$f" ] || { echo 0; return; }
  "$PY" -c 'import json,sys
its=[json.loads(l).get("iteration",0) for l in open(sys.argv[1]) if l.strip()]
print(max(its) if its else 0)' "$f"
}

summarise() {
  "$PY" - "$ROOT" "$LATE_FROM" "${arms[@]}" <<'PY'
import json, os, sys, statistics as st
root, late_from, arms = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
out = {}
for arm in arms:
    f = os.path.join(root, arm, "metrics.jsonl")
    if not os.path.exists(f):
        continue
    lines = [json.loads(l) for l in open(f) if l.strip()]
    logged = [m for m in lines if "event" not in m]
    late = [m["gap"] for m in logged if m["iteration"] >= late_from]
    jumps = [abs(b - a) for a, b in zip(late, late[1:])]
    evals = [(m["iteration"], m["fd"]) for m in lines if m.get("event") == "eval"]
    out[arm] = {"iteration": logged[-1]["iteration"] if logged else 0,
                "gap_from": late_from, "gap_late": {"n": len(late), "mean": st.mean(late) if late else None,
                                   "stdev": st.stdev(late) if len(late) > 1 else None,
                                   "mean_abs_change": st.mean(jumps) if jumps else None},
                "fd": evals, "best_fd": min((fd for _, fd in evals), default=None),
                "rollbacks": sum(1 for m in lines if m.get("event") == "rollback"),
                "wall_s": max((m.get("wall_s", 0) for m in logged), default=0)}
with open(os.path.join(root, "summary.json"), "w") as fh:
    json.dump(out, fh, indent=1)
print(json.dumps(out))
PY
}

for ((target = CHUNK; target < ITERS + CHUNK; target += CHUNK)); do
  ((target > ITERS)) && target=$ITERS
  for arm in "${arms[@]}"; do
    dir="$ROOT/$arm"
    done_its=$(iteration_of "$arm")
    ((done_its >= target)) && continue
    echo "== $(date -u +%H:%M:%S) $arm: to iteration $target (at $done_its)"
    if [ -f "$dir/checkpoints/latest.safetensors" ]; then
      "$BIN" train --resume "$dir" --iters "$target" --threads "$THREADS"
    else
      rm -rf "$dir"
      "$BIN" train --data fashion-mnist --out "$dir" --nf 16 --steps 40 --clamp --iters "$target" \
        --log-every 10 --sample-every 100 --checkpoint-every 50 --eval-every "$EVAL_EVERY" --threads "$THREADS" \
        --lr-schedule "$(schedule_of "$arm")" "${init_flags[@]}"
    fi
  done
  summarise
done
echo "bench_lr_schedule: both arms at $ITERS iterations; $ROOT/summary.json"
