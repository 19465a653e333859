#!/bin/bash
# Session 13, call 12: the adaptive kQScale with the narrow block first in softmax_poly_tanh
# (qa6: decided at the tile's start from the tier the warps carry; qa7: decided after the tile's
# first block, from it), against main d579cb4 (m13: Q scaled on every tile); timing only.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/s13; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
{
for sq in 8192:1 16384:1 8192:4 8192:8; do
  timeout 100 python3 bench/ab_var.py --seqlen ${sq%:*} --q-scale ${sq#*:} --libs $c/m13,$c/qa6,$c/qa7 --keys causal-plain,causal-softcap50,causal-w4096_0-softcap50; stamp "$sq" $?
done
} > $L/ab.log 2>&1; cat $L/ab.log
true
