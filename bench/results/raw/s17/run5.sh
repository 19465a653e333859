#!/bin/bash
# Session 17, call 5: call 4's question for w256_256 and Mistral's w4096_0 (session 9 measured
# kHeadGroup at +0.5..2.5% and 0.83 -> 0.95x plain at 16k): builds on 630af32 (CARRY=.carry/s17d),
# hg0 = no kHeadGroup, base = 16. ab_var at 16k three times.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; c=.carry/s17d; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
K=full-w256_256,causal-w4096_0
{
for i in 1 2 3; do
  timeout 100 python3 bench/ab_var.py --seqlen 16384 --libs $c/base,$c/hg0 --keys $K; stamp "ab 16384 $i" $?
done
} > $L/ab.log 2>&1; grep -E "device|plain|base|hg0 |rc=" $L/ab.log
true
