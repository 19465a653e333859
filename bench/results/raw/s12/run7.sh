#!/bin/bash
# Session 12, call 7: on main 412efc7 (sp2), full ALiBi's row term before the wait too (sprt,
# raw/s12/sp-rt-full.patch) and ALiBi without forced uniform Q descriptors (spuq, sp-uq.patch);
# sprt's tests/gpu on ALiBi.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/s12; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
QIMENG_TEST_FILTER=alibi timeout 200 $c/sprt/gpu-tests > $L/gpu-tests.log 2>&1; stamp "gpu-tests sprt" $? | tee -a $L/rc.txt
grep -E "FAIL|^kernels:|panicked" $L/gpu-tests.log | head -20
{
for sq in 8192:1 16384:1 2048:1 8192:4; do
  timeout 100 python3 bench/ab_var.py --seqlen ${sq%:*} --q-scale ${sq#*:} --libs $c/sp2,$c/sprt,$c/spuq --keys full-alibi,causal-alibi,full-plain; stamp "$sq" $?
done
} > $L/ab.log 2>&1; cat $L/ab.log
true
