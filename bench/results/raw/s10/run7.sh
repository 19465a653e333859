#!/bin/bash
# Session 10, call 7: sp4 = sp3 (call 5/6) with the speculative block keeping the running max
# while P <= 2^32 (bf16; kSpecKeepBits) instead of the exact path's 2^8. bash
# bench/results/raw/s10/run7.sh from the repo root of the device's checkout; .carry/s10/{base,
# sp3,sp4} (bench/ab_build.sh; sp4: KEEP = plain d128 causal and full and the three windows).
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/s10; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
QIMENG_TEST_FILTER=fwd-h timeout 200 $c/sp4/gpu-tests > $L/gpu-tests.log 2>&1; stamp "gpu-tests sp4" $? | tee -a $L/rc.txt
grep -E "FAIL|^kernels:|panicked" $L/gpu-tests.log | head -20
{
L3=$c/base,$c/sp3,$c/sp4
for qs in 1 4 8; do
  timeout 100 python3 bench/ab_var.py --seqlen 8192 --q-scale $qs --reps 10 --rounds 5 --libs $L3 --keys causal-plain,full-plain,causal-w1024_0,causal-w4096_0,full-w256_256; stamp "ab_var q$qs" $?
done
timeout 100 python3 bench/ab_var.py --seqlen 2048 --q-scale 4 --reps 10 --rounds 5 --libs $L3 --keys causal-plain,full-plain; stamp "ab_var 2k q4" $?
} > $L/ab.log 2>&1; cat $L/ab.log
true
