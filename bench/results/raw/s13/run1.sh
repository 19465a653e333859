#!/bin/bash
# Session 13, call 1: kSpecTier (softcap's narrow tier taken at once on a later unmasked block
# after a narrow one, the compares riding along; S recomputed on a miss) on the three softcap
# entries (st) against main 988b5d0 (base); st's tests/gpu on the softcap entries, full grid.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/s13; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
( QIMENG_TEST_FILTER=softcap timeout 200 $c/st/gpu-tests > $L/gpu-tests.log 2>&1; stamp "gpu-tests st" $? >> $L/rc.txt ) &
t=$!
{
for sq in 8192:1 16384:1 2048:1 8192:4 8192:8; do
  wait $t 2>/dev/null
  timeout 80 python3 bench/ab_var.py --seqlen ${sq%:*} --q-scale ${sq#*:} --libs $c/base,$c/st --keys causal-plain,causal-softcap50,causal-w4096_0-softcap50,causal-w1024_0-softcap50; stamp "$sq" $?
done
} > $L/ab.log 2>&1; cat $L/rc.txt; grep -hE "FAIL|^kernels:|panicked" $L/gpu-tests.log | head -10; cat $L/ab.log
true
