#!/bin/bash
# Session 13, call 11: softcap's tier test after a narrow block by bf16x2 maxima and minima of
# the raw f32 registers (ht: 3-input VHMNMX, the high lanes are the scores truncated to bf16)
# instead of a compare per score ORed into predicates, against main d579cb4 (m13); ht's
# tests/gpu on the softcap entries, full grid, first.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/s13; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
QIMENG_TEST_FILTER=softcap timeout 300 $c/ht/gpu-tests > $L/gpu-tests.log 2>&1; stamp "gpu-tests ht" $? | tee $L/rc.txt
grep -hE "FAIL|^kernels:|panicked" $L/gpu-tests.log | head -20
{
for sq in 8192:1 16384:1 2048:1 8192:8; do
  timeout 100 python3 bench/ab_var.py --seqlen ${sq%:*} --q-scale ${sq#*:} --libs $c/m13,$c/ht --keys causal-plain,causal-softcap50,causal-w4096_0-softcap50,causal-w1024_0-softcap50; stamp "$sq" $?
done
} > $L/ab.log 2>&1; cat $L/ab.log
true
