#!/bin/bash
# Session 12, call 16: tests/gpu's new ALiBi case (Swing::LastLow: the last 128 keys low, so an
# ALiBi kernel's first visited block, the diagonal one, scores low and the next jumps; the
# speculative softmax recomputes S with the key part preloaded), full grid, on main's kernels;
# with records, and compute-sanitizer on the same (small grid).
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/s12; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export QIMENG_DATE=$(date -u +%F)
QIMENG_TEST_FILTER=alibi QIMENG_COMMAND="bash bench/results/raw/s12/run16.sh (tests/gpu, Swing::LastLow)" QIMENG_VERIFY_LOG=$out/verify.jsonl timeout 200 $c/final/gpu-tests > $L/gpu-tests.log 2>&1; stamp "gpu-tests alibi" $? | tee -a $L/rc.txt
grep -E "swing|FAIL|^kernels:|panicked" $L/gpu-tests.log | head -20
san() { QIMENG_TEST_FILTER="$2" QIMENG_TEST_SHAPES=small timeout 200 compute-sanitizer --tool $1 --error-exitcode 3 $c/final/gpu-tests > /tmp/san-$1-$2.log 2>&1
  r=$?; { stamp "== $1 $2" $r; grep -E "ERROR SUMMARY|RACECHECK SUMMARY|^kernels:" /tmp/san-$1-$2.log | head -n 4; } > $L/san.$1-$2; }
san memcheck alibi & san racecheck alibi & san synccheck alibi &
wait; cat $L/san.* > $L/sanitizers.log; rm -f $L/san.*; cat $L/sanitizers.log
true
