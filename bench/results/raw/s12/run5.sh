#!/bin/bash
# Session 12, call 5: the ALiBi preload of the next block at the end of each step, its side worked
# out there (nx: the working tree), against r1c (call 4's r1 + the causal-only early row term)
# and main 7c6de22 (base2); nx's tests/gpu on its six entries.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/s12; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
QIMENG_TEST_FILTER=d128 timeout 300 $c/nx/gpu-tests > $L/gpu-tests.log 2>&1; stamp "gpu-tests nx" $? | tee -a $L/rc.txt
grep -E "FAIL|^kernels:|panicked" $L/gpu-tests.log | head -20
{
for sq in 8192:1 16384:1 2048:1 8192:4; do
  timeout 100 python3 bench/ab_var.py --seqlen ${sq%:*} --q-scale ${sq#*:} --libs $c/base2,$c/r1c,$c/nx --keys full-alibi,causal-alibi,full-plain,causal-plain; stamp "$sq" $?
done
timeout 100 python3 bench/ab_var.py --seqlen 8192 --libs $c/base2,$c/r1c,$c/nx --keys causal-w1024_0,causal-w4096_0-softcap50; stamp "8192 windows" $?
} > $L/ab.log 2>&1; cat $L/ab.log
true
