#!/bin/bash
# Session 13, call 13: the q-tiers softcap case at q_scale 1/4 (main after d579cb4: tests/gpu
# only; the kernels are bb52b31's): tests/gpu on the softcap entries, full grid, with records,
# and compute-sanitizer on them (small grid).
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/s13; bin=$c/final2; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export QIMENG_DATE=$(date -u +%F)
QIMENG_TEST_FILTER=softcap QIMENG_COMMAND="bash bench/results/raw/s13/run13.sh (tests/gpu, q-tiers at q x 1/4)" QIMENG_VERIFY_LOG=$out/verify.jsonl timeout 300 $bin/gpu-tests > $L/gpu-tests.log 2>&1; stamp "gpu-tests softcap" $? | tee $L/rc.txt
grep -hE "FAIL|^kernels:|panicked|q-tiers" $L/gpu-tests.log | head -20
san() { QIMENG_TEST_FILTER=softcap QIMENG_TEST_SHAPES=small timeout 200 compute-sanitizer --tool $1 --error-exitcode 3 $bin/gpu-tests > /tmp/san-$1.log 2>&1
  r=$?; { stamp "== $1 softcap" $r; grep -E "ERROR SUMMARY|RACECHECK SUMMARY|^kernels:" /tmp/san-$1.log | head -n 4; } > $L/san.$1; }
san memcheck & san racecheck & san synccheck &
wait; cat $L/san.* > $L/sanitizers.log; rm -f $L/san.*; cat $L/sanitizers.log
true
