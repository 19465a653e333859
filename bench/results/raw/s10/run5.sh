#!/bin/bash
# Session 10, call 5: sp3 = sp1 (call 4) + no speculation on the block after one that moved the max
# (spec_next). sp1 kept for reference.
# bash bench/results/raw/s10/run5.sh from the
# repo root of the device's checkout; .carry/s10/{base,sp1,sp3} (bench/ab_build.sh, KEEP as call 1).
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/s10; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
QIMENG_TEST_FILTER=fwd-h timeout 200 $c/sp3/gpu-tests > $L/gpu-tests.log 2>&1; stamp "gpu-tests sp3" $? | tee -a $L/rc.txt
grep -E "FAIL|^kernels:|panicked" $L/gpu-tests.log | head -20
{
L3=$c/base,$c/sp1,$c/sp3
timeout 100 python3 bench/ab_var.py --seqlen 8192 --reps 10 --rounds 5 --libs $L3 --keys causal-w1024_0,causal-w4096_0,full-w256_256; stamp "ab_var 8192" $?
timeout 100 python3 bench/ab_var.py --seqlen 8192 --q-scale 8 --reps 10 --rounds 5 --libs $L3 --keys causal-w1024_0,causal-w4096_0,full-w256_256; stamp "ab_var q8" $?
timeout 250 python3 bench/results/raw/hop9/ab.py --d 128 --cells full-512,full-1024,full-2048,full-4096,full-8192,full-16384,causal-512,causal-2048,causal-8192,causal-16384 --reps 10 --rounds 5 --libs $L3; stamp "ab plain" $?
} > $L/ab.log 2>&1; cat $L/ab.log
true
