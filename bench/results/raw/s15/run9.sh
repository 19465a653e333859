#!/bin/bash
# Session 15, call 9: main 63bc0a4 (review fixes to fa3_fwd.cuh's comments and one helper; every
# fa3 entry's SASS is call 7's, 5c52b63's, instruction for instruction). tests/gpu full grid on
# every h100 bf16/f16 and h200 entry, for the records of the new header content (compute-sanitizer
# ran on these kernels in calls 5 and 7).
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; W=/tmp/w9; mkdir -p "$out" $W; c=.carry/s15; bin=$c/final3; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export QIMENG_DATE=$(date -u +%F)
t() { QIMENG_TEST_FILTER=$1 QIMENG_COMMAND="bash bench/results/raw/s15/run9.sh (tests/gpu, main 63bc0a4)" QIMENG_VERIFY_LOG=$W/verify-$1.jsonl timeout 260 $bin/gpu-tests > $W/t-$1.log 2>&1; stamp "gpu-tests $1" $? >> $L/rc.txt; }
t fwd-h100-bf16 & t fwd-h100-f16 & t fwd-h200 &
wait; cat $L/rc.txt; grep -hE "FAIL|^kernels:|panicked" $W/t-*.log | head -20
cat $W/t-*.log > $L/gpu-tests.log; cat $W/verify-*.jsonl > $L/verify.jsonl
true
