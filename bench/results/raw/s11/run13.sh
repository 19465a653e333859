#!/bin/bash
# Session 11, call 13: the d64 entries with kUniformQ on their 3-warpgroup Spec (new-entry.py
# FA3_SPEC_UNIFORM_Q; h100 and h200, bf16 and f16, causal and full): tests/gpu on the full grid
# with the records, and compute-sanitizer on them (small grid). .carry/s11/final/gpu-tests: the
# working tree's release build.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/s11; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export QIMENG_DATE=$(date -u +%F)
QIMENG_TEST_FILTER=d64 QIMENG_COMMAND="bash bench/results/raw/s11/run13.sh (tests/gpu, d64 with kUniformQ)" QIMENG_VERIFY_LOG=$out/verify.jsonl timeout 300 $c/final/gpu-tests > $L/gpu-tests.log 2>&1; stamp "gpu-tests d64" $? | tee -a $L/rc.txt
grep -E "FAIL|^kernels:|panicked" $L/gpu-tests.log | head -20
san() { QIMENG_TEST_FILTER="$2" QIMENG_TEST_SHAPES=small timeout 200 compute-sanitizer --tool $1 --error-exitcode 3 $c/final/gpu-tests > /tmp/san-$1-$2.log 2>&1
  r=$?; { stamp "== $1 $2" $r; grep -E "ERROR SUMMARY|RACECHECK SUMMARY|^kernels:" /tmp/san-$1-$2.log | head -n 4; } > $L/san.$1-$2; }
san memcheck fwd-h100-bf16-d64 & san racecheck fwd-h100-bf16-d64 & san synccheck fwd-h100-bf16-d64 &
wait; cat $L/san.* > $L/sanitizers.log; rm -f $L/san.*; cat $L/sanitizers.log
true
