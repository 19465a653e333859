#!/bin/bash
# Session 11, call 14: full ALiBi's table loads at a per-tile base plus an immediate per side
# (.carry/s11/addr, the working tree) against main 4c7e46c (.carry/s11/main3); then addr's
# tests/gpu and compute-sanitizer on the ALiBi entries.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/s11; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
{
for sq in 8192:1 16384:1 2048:1 8192:4 1024:1; do
  timeout 60 python3 bench/ab_var.py --seqlen ${sq%:*} --q-scale ${sq#*:} --libs $c/main3,$c/addr --keys causal-alibi,full-alibi; stamp "$sq" $?
done
} > $L/ab.log 2>&1; cat $L/ab.log
QIMENG_TEST_FILTER=alibi timeout 200 $c/addr/gpu-tests > $L/gpu-tests.log 2>&1; stamp "gpu-tests addr" $? | tee -a $L/rc.txt
grep -E "FAIL|^kernels:|panicked" $L/gpu-tests.log | head -20
san() { QIMENG_TEST_FILTER="$2" QIMENG_TEST_SHAPES=small timeout 120 compute-sanitizer --tool $1 --error-exitcode 3 $c/addr/gpu-tests > /tmp/san-$1-$2.log 2>&1
  r=$?; { stamp "== $1 $2" $r; grep -E "ERROR SUMMARY|RACECHECK SUMMARY|^kernels:" /tmp/san-$1-$2.log | head -n 4; } > $L/san.$1-$2; }
san memcheck alibi & san racecheck alibi & san synccheck alibi &
wait; cat $L/san.* > $L/sanitizers.log; rm -f $L/san.*; cat $L/sanitizers.log
true
