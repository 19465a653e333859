#!/bin/bash
# Session 12, call 9: compute-sanitizer over every fwd-h100 / fwd-h200 entry of main 412efc7
# (memcheck, racecheck, synccheck, small grid, two at a time; session 10 run11.sh's sweep).
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; bin=.carry/s12/final; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
run() { # tool filter
  QIMENG_TEST_FILTER="$2" QIMENG_TEST_SHAPES=small timeout 250 compute-sanitizer --tool $1 --error-exitcode 3 "$bin/gpu-tests" > /tmp/san-$1-$2.log 2>&1
  rc=$?; { stamp "== $1 $2" $rc; grep -E "ERROR SUMMARY|RACECHECK SUMMARY|^kernels:" /tmp/san-$1-$2.log | head -n 4; } >> "$L/san.$1-$2"
}
( run racecheck fwd-h100-bf16; run synccheck fwd-h100-; run memcheck fwd-h200- ) &
( run racecheck fwd-h100-f16; run racecheck fwd-h200-; run synccheck fwd-h200-; run memcheck fwd-h100- ) &
wait
cat "$L"/san.*-* > "$L/sanitizers.log"; rm -f "$L"/san.*-*
cat "$L/sanitizers.log"
true
