#!/bin/bash
# Session 9, call 12: the final build of main (fa3_fwd.cuh's tile-order comment and kHeadGroup's
# 1..64 static_assert after rev9's review re-sealed every fa3 entry; tests/gpu's grouped-order case now has two sequences). bash bench/results/raw/w3/run12.sh from the repo root of the device's
# checkout; .carry/w3/final/gpu-tests is main's release build. tests/gpu of every fwd-h100 /
# fwd-h200 entry (full grid, QIMENG_VERIFY_LOG: the records), then compute-sanitizer memcheck /
# racecheck / synccheck over every fwd-h100 / fwd-h200 entry (small grid; session 8's run5.sh
# pattern, two at a time).
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; bin=.carry/w3/final; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export QIMENG_DATE=$(date -u +%F)
QIMENG_TEST_FILTER=fwd-h QIMENG_COMMAND="bash bench/results/raw/w3/run12.sh (tests/gpu, main)" QIMENG_VERIFY_LOG=$out/verify.jsonl timeout 330 $bin/gpu-tests > $L/gpu-tests.log 2>&1; stamp "gpu-tests fwd-h" $? | tee -a $L/rc.txt
grep -E "FAIL|^kernels:" $L/gpu-tests.log
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
