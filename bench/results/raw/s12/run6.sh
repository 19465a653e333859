#!/bin/bash
# Session 12, call 6: each step's speculation vote and ALiBi preload decided at the end of the
# step before, and the ring slot/phase in unsigned arithmetic (sp: the working tree), against
# nx2 (main 09d15d3: call 5's nx) and main 7c6de22 (base3); sp's tests/gpu on its eight entries.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/s12; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
QIMENG_TEST_FILTER=fwd timeout 300 $c/sp/gpu-tests > $L/gpu-tests.log 2>&1; stamp "gpu-tests sp" $? | tee -a $L/rc.txt
grep -E "FAIL|^kernels:|panicked" $L/gpu-tests.log | head -20
{
for sq in 8192:1 16384:1 2048:1; do
  timeout 100 python3 bench/ab_var.py --seqlen ${sq%:*} --q-scale ${sq#*:} --libs $c/base3,$c/nx2,$c/sp --keys full-alibi,causal-alibi,full-plain,causal-plain; stamp "$sq" $?
done
for sq in 8192 1024; do
  timeout 100 python3 bench/ab_var.py --seqlen $sq --d 64 --libs $c/base3,$c/nx2,$c/sp --keys full-plain,causal-plain; stamp "d64 $sq" $?
done
timeout 100 python3 bench/ab_var.py --seqlen 8192 --libs $c/base3,$c/nx2,$c/sp --keys causal-w1024_0,causal-w4096_0-softcap50; stamp "8192 windows" $?
} > $L/ab.log 2>&1; cat $L/ab.log
true
