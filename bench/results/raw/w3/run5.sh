#!/bin/bash
# Session 9 (issue 9), call 5: bash bench/results/raw/w3/run5.sh from the repo root of the device's
# checkout. Builds of build.sh in .carry/w3/: w4k = branch w4k (the window entries persistent, as
# committed); np = the same with causal w1024_0 and w4096_0 on a block per tile (kPersistent =
# false, no kKStages). ab_var.py (.carry/w3/ab_var.py = bench/ab_var.py; with w4k's
# variants_speed.py and bench.py beside it) at 8k and 16k, twice each.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/w3; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1
{
for S in 16384 8192 16384 8192; do
  timeout 90 python3 $c/ab_var.py --seqlen $S --reps 10 --rounds 5 --libs $c/w4k,$c/np --keys causal-w1024_0,causal-w4096_0; stamp "ab_var $S" $?
done
} > $L/ab.log 2>&1; cat $L/ab.log
true
