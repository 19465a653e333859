#!/bin/bash
# Session 14, call 7: call 6's tests/gpu again (main 2ddb3bd, full grid, every h100 bf16/f16 and
# h200 entry), for its records: call 6's verify.jsonl was one file past what a call brings back.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/s14; bin=$c/final; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } > /tmp/card.txt; cat /tmp/card.txt
export QIMENG_DATE=$(date -u +%F)
t() { QIMENG_TEST_FILTER=$1 QIMENG_COMMAND="bash bench/results/raw/s14/run7.sh (tests/gpu, main 2ddb3bd)" QIMENG_VERIFY_LOG=/tmp/verify-$1.jsonl timeout 260 $bin/gpu-tests > /tmp/t-$1.log 2>&1; stamp "gpu-tests $1" $? >> /tmp/rc.txt; }
t fwd-h100-bf16 & t fwd-h100-f16 & t fwd-h200 &
wait; cat /tmp/rc.txt; grep -hE "FAIL|^kernels:|panicked" /tmp/t-*.log | head -20
{ cat /tmp/card.txt /tmp/rc.txt; cat /tmp/t-*.log; } > $L/gpu-tests.log; cat /tmp/verify-*.jsonl > $out/verify.jsonl
true
