#!/bin/bash
# Session 16, call 6: ablations on the softcap entries (timing only, wrong results; CARRY=.carry/s16c):
# nq = no kQScale pass over Q (the tier bound opened so that every block keeps the narrow path;
# ablation-nq.patch; its timing is not valid, see the results file), at = no tier test after a
# narrow block (ablation-at.patch).
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; c=.carry/s16c; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
K=causal-w1024_0-softcap50,causal-w4096_0-softcap50,causal-softcap50
{
for i in 1 2; do for sq in 8192 16384; do
  timeout 150 python3 bench/ab_var.py --seqlen $sq --libs $c/base,$c/nq,$c/at --keys $K; stamp "ab $sq $i" $?
done; done
} > $L/ab.log 2>&1; grep -E "device|plain|base|nq |at |rc=" $L/ab.log
true
