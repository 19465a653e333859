#!/bin/bash
# For the next session (not run in session 10: its device time ran out): the closing build's
# compute-sanitizer sweep, as session 9's run12.sh (memcheck, racecheck, synccheck over every
# fwd-h100 / fwd-h200 entry, small grid, two at a time; ~370 s). Build first, from the repo root:
#   CARGO_TARGET_DIR=/tmp/target-main cargo test --release -p qimeng-gpu-tests --test kernels \
#     --no-run --message-format=json   (copy the kernels-* executable to .carry/s10/final/gpu-tests)
# then on the device: bash bench/results/raw/s10/run11.sh (carry .carry/s10/final).
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; bin=.carry/s10/final; s=$(date +%s)
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
