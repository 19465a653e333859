#!/bin/bash
# Session 17, call 4: kHeadGroup on the 1024-key windows at 16k keys, where w1024_0 + softcap's x
# rows (0.87-0.88) trails its 8k reading (0.885-0.89). Builds on 630af32 (CARRY=.carry/s17c):
# hg0 = no kHeadGroup (the committed order), hg8, hg4; base = 16. ab_var at 16k three times.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; c=.carry/s17c; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
K=causal-w1024_0-softcap50,causal-w1024_0
{
for i in 1 2 3; do
  timeout 100 python3 bench/ab_var.py --seqlen 16384 --libs $c/base,$c/hg0,$c/hg8,$c/hg4 --keys $K; stamp "ab 16384 $i" $?
done
} > $L/ab.log 2>&1; grep -E "device|plain|base|hg0 |hg8 |hg4 |rc=" $L/ab.log
true
