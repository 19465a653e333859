#!/bin/bash
# Session 13, call 9: why qa4 (call 8) runs at base's speed at q x 1: qa5 = qa4 with every tile
# scaled (the warpgroup's vote ignores the carried tier), against base, qs and qa4; timing only.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/s13; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
{
for sq in 8192:1 16384:1 8192:8; do
  timeout 100 python3 bench/ab_var.py --seqlen ${sq%:*} --q-scale ${sq#*:} --libs $c/base,$c/qs,$c/qa4,$c/qa5 --keys causal-plain,causal-softcap50,causal-w4096_0-softcap50; stamp "$sq" $?
done
} > $L/ab.log 2>&1; cat $L/ab.log
true
