#!/bin/bash
# Session 17, call 12: the 1024-key windows at 16k keys on main 27957cd (base, kHeadGroup 0)
# against kHeadGroup 2 (hg2) and kEvenTail (et: the last rounds' tiles longest first).
# CARRY=.carry/s17i. ab_var at 16k three times, at 8k once.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; c=.carry/s17i; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
K=causal-w1024_0-softcap50,causal-w1024_0
{
for sq in 16384 16384 16384 8192; do
  timeout 100 python3 bench/ab_var.py --seqlen $sq --libs $c/base,$c/hg2,$c/et --keys $K; stamp "ab $sq" $?
done
} > $L/ab.log 2>&1; grep -E "device|plain|base|hg2 |et |rc=" $L/ab.log
true
