#!/usr/bin/env bash
# Session 8's call 5 on the final build (after the review's load_k / load_v change): every
# compute-sanitizer tool over every h100 / h200 fwd entry, small grid (the fa3 kernels' SASS
# moved with the header; decode entries do not include it). Carry [".carry/bin"].
# Files back: sanitizers.log.
set -uo pipefail
o=${OUT:-/tmp/out}; mkdir -p "$o"; bin=.carry/bin; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader; } > "$o/sanitizers.log"
run() { # tool filter
  QIMENG_TEST_FILTER="$2" QIMENG_TEST_SHAPES=small timeout 280 compute-sanitizer --tool $1 --error-exitcode 3 "$bin/gpu-tests" > /tmp/san-$1-$2.log 2>&1
  rc=$?; { stamp "== $1 $2" $rc; grep -E "ERROR SUMMARY|RACECHECK SUMMARY|^kernels:" /tmp/san-$1-$2.log | head -n 4; } >> "$o/sanitizers.$1-$2"
}
# two at a time on the card: racecheck is the long one
( run racecheck fwd-h100-bf16; run synccheck fwd-h100-; run memcheck fwd-h200- ) &
( run racecheck fwd-h100-f16; run racecheck fwd-h200-; run synccheck fwd-h200-; run memcheck fwd-h100- ) &
wait
cat "$o"/sanitizers.*-* >> "$o/sanitizers.log"; rm -f "$o"/sanitizers.*-*
cat "$o/sanitizers.log"
