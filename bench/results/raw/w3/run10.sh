#!/bin/bash
# Session 9, call 10 (a lead for the plain kernels, outside issue 9's variants): bash
# bench/results/raw/w3/run10.sh from the repo root of the device's checkout. Builds of build.sh in
# .carry/w3/ (KEEP: the plain d128 causal entry only): pbase = main as committed (persistent up to
# 8k keys, a block per tile above); pk = its persistent short schedule at every length with
# kHeadGroup 16. .carry/w3/ab_fa3.py = bench/results/raw/hop9/ab.py (both builds beside cuDNN,
# interleaved) at causal 8k and 16k, twice.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/w3; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1
{
for i in 1 2; do
  timeout 120 python3 $c/ab_fa3.py --d 128 --cells causal-8192,causal-16384 --reps 10 --rounds 5 --libs $c/pbase,$c/pk; stamp "ab_fa3 $i" $?
done
} > $L/ab.log 2>&1; cat $L/ab.log
true
