#!/bin/bash
# Session 12, call 8: tests/gpu of main 412efc7 (the release build in .carry/s12/final) on every
# h100 bf16/f16 and h200 entry, full grid, the three filters at once (the CPU reference
# dominates; 16 cores), with the records.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/s12; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export QIMENG_DATE=$(date -u +%F)
t() { QIMENG_TEST_FILTER=$1 QIMENG_COMMAND="bash bench/results/raw/s12/run8.sh (tests/gpu, main 412efc7)" QIMENG_VERIFY_LOG=$out/verify-$1.jsonl timeout 360 $c/final/gpu-tests > $L/t-$1.log 2>&1; stamp "gpu-tests $1" $? >> $L/rc.txt; }
t fwd-h100-bf16 & t fwd-h100-f16 & t fwd-h200 &
wait; cat $L/rc.txt; grep -hE "FAIL|^kernels:|panicked" $L/t-*.log | head -20
cat $L/t-*.log > $L/gpu-tests.log; rm -f $L/t-*.log; cat $out/verify-*.jsonl > $out/verify.jsonl; rm -f $out/verify-*.jsonl
true
