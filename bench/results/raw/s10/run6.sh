#!/bin/bash
# Session 10, call 6: softcap's later blocks decide the polynomial tier by two votes instead of a
# REDUX (kFixedMax; the three bf16 softcap entries), and kSpecExp (sp3 of call 5) at query scales
# 1, 2, 4 and 8 on the plain entries and the windows. bash bench/results/raw/s10/run6.sh from the
# repo root of the device's checkout; .carry/s10/{base,sp3}: bench/ab_build.sh, KEEP = plain d128
# causal and full, the three windows, the three softcap entries; base = main f4c0ee7, sp3 = the
# working tree (its softcap entries carry the vote change) with kSpecExp on the plain and
# window entries.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/s10; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
QIMENG_TEST_FILTER=fwd-h timeout 200 $c/sp3/gpu-tests > $L/gpu-tests.log 2>&1; stamp "gpu-tests sp3" $? | tee -a $L/rc.txt
grep -E "FAIL|^kernels:|panicked" $L/gpu-tests.log | head -20
{
L2=$c/base,$c/sp3
for sq in 8192 16384; do
  timeout 100 python3 bench/ab_var.py --seqlen $sq --reps 10 --rounds 5 --libs $L2 --keys causal-softcap50,causal-w4096_0-softcap50,causal-w1024_0-softcap50; stamp "ab_var softcap $sq" $?
done
for qs in 1 2 4 8; do
  timeout 100 python3 bench/ab_var.py --seqlen 8192 --q-scale $qs --reps 10 --rounds 5 --libs $L2 --keys causal-plain,full-plain,causal-w1024_0,causal-w4096_0; stamp "ab_var q$qs" $?
done
} > $L/ab.log 2>&1; cat $L/ab.log
true
