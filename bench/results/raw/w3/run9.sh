#!/bin/bash
# Session 9 (issue 9), call 9: bash bench/results/raw/w3/run9.sh from the repo root of the device's
# checkout. Builds of build.sh in .carry/w3/ from main after the kHeadGroup merge: g16 = as
# committed (kHeadGroup 16); g2 / g8 / g32 = the window entries with kHeadGroup 2 / 8 / 32 (at 16
# heads x batch 1, 32 groups the same 16 pairs as 16: an A/A). ab_var.py at 16k, twice.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/w3; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1
{
for S in 16384 16384; do
  timeout 120 python3 $c/ab_var.py --seqlen $S --reps 10 --rounds 5 --libs $c/g16,$c/g2,$c/g8,$c/g32 --keys causal-w1024_0,causal-w4096_0,full-w256_256; stamp "ab_var $S" $?
done
} > $L/ab.log 2>&1; cat $L/ab.log
true
