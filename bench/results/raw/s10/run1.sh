#!/bin/bash
# Session 10, call 1: kSpecExp (fa3_fwd.cuh, the speculative lazy softmax) A/B. bash
# bench/results/raw/s10/run1.sh from the repo root of the device's checkout. .carry/s10/{base,sp}:
# bench/ab_build.sh builds (KEEP: plain d128 causal and full, causal-w1024_0, causal-w4096_0,
# full-w256_256); base = main f4c0ee7, sp = the working tree with kSpecExp = true on all five.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/s10; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
QIMENG_TEST_FILTER=fwd-h timeout 200 $c/sp/gpu-tests > $L/gpu-tests.log 2>&1; stamp "gpu-tests sp" $? | tee -a $L/rc.txt
grep -E "FAIL|^kernels:|panicked" $L/gpu-tests.log | head -20
{
for sq in 8192 16384; do
  timeout 150 python3 bench/ab_var.py --seqlen $sq --reps 10 --rounds 5 --libs $c/base,$c/sp --keys causal-w1024_0,causal-w4096_0,full-w256_256; stamp "ab_var $sq" $?
done
timeout 100 python3 bench/ab_var.py --seqlen 8192 --q-scale 8 --reps 10 --rounds 5 --libs $c/base,$c/sp --keys causal-w1024_0,full-w256_256; stamp "ab_var q8" $?
timeout 150 python3 bench/results/raw/hop9/ab.py --d 128 --cells full-2048,full-8192,full-16384,causal-2048,causal-8192,causal-16384 --reps 10 --rounds 5 --libs $c/base,$c/sp; stamp "ab plain" $?
} > $L/ab.log 2>&1; cat $L/ab.log
true
