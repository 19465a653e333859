#!/bin/bash
# Session 12, call 11: main 227f589's kernels (m12) against session 11's main 7c6de22 (m11) on
# the plain entries of every other head dim and f16 d128 (the loop changes touch all of them),
# and on causal softcap, Gemma 2's window and w1024_0 (8k and 16k keys).
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/s12; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
{
for d in 32 96 192 256; do
  for sq in 8192 2048; do
    timeout 60 python3 bench/ab_var.py --seqlen $sq --d $d --libs $c/m11,$c/m12 --keys full-plain,causal-plain; stamp "d$d $sq" $?
  done
done
timeout 60 python3 bench/ab_var.py --seqlen 8192 --d 128 --dtype f16 --libs $c/m11,$c/m12 --keys full-plain,causal-plain; stamp "f16 d128 8192" $?
for sq in 8192 16384; do
  timeout 90 python3 bench/ab_var.py --seqlen $sq --libs $c/m11,$c/m12 --keys causal-plain,causal-softcap50,causal-w4096_0-softcap50,causal-w1024_0; stamp "variants $sq" $?
done
} > $L/ab.log 2>&1; cat $L/ab.log
true
