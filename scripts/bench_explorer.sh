#!/usr/bin/env bash
# Explorer responsiveness under xvfb-run (Mesa's software GL, so the GPU work is CPU work too):
# start-up to the first chain image, and frame rate while 64 chains sample on the CPU.
# usage: [EXPLORER_ARGS="--size 1024x700"] scripts/bench_explorer.sh [MODEL] [STEPS]
#        (default: the bundled model and its K)
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:-}
steps=${2:-0}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
set_steps=""
[ "$steps" -gt 0 ] && set_steps="{\"do\": \"set\", \"control\": \"steps\", \"value\": $steps},"
cat > "$work/bench.json" <<JSON
[
  {"do": "wait", "for": "sampler"},
  {"do": "dump_state", "path": "$work/start.json"},
  $set_steps
  {"do": "set", "control": "chains", "value": 64},
  {"do": "set", "control": "seed", "value": 2},
  {"do": "wait", "for": "sampler"},
  {"do": "wait", "for": "frames", "frames": 120},
  {"do": "dump_state", "path": "$work/end.json"}
]
JSON
xvfb-run -a -s "-screen 0 1600x1000x24" ./build/shortrun-explorer $model ${EXPLORER_ARGS:-} --config-dir none --script "$work/bench.json" >/dev/null
/usr/bin/python3 - "$work" <<'PY'
import json, os, sys
w = sys.argv[1]
s, e = (json.load(open(os.path.join(w, f))) for f in ("start.json", "end.json"))
c, f = e["chains"], e["fps"]
print(f"model: {e['model']['path']} ({e['model']['architecture']}), torch threads {e['model']['threads']}")
print(f"first chain image on screen: {s['fps']['first_image_s']:.2f} s after start")
print(f"64 chains x {c['steps']} steps sampled in {c['seconds']:.1f} s ({64 * c['steps'] / c['seconds']:.0f} chain-steps/s)")
ws = f.get("while_sampling", {})
print(f"while sampling: {ws.get('mean_fps', 0):.1f} fps mean, p95 frame {ws.get('p95_frame_ms', 0):.1f} ms over {ws.get('frames', 0)} frames")
print(f"idle after: {f['mean_recent']:.1f} fps (UI build {f['build_ms']:.1f} ms, GL draw + swap {f['draw_ms']:.1f} ms per frame)")
PY
