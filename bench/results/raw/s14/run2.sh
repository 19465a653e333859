#!/bin/bash
# Session 14, call 2: kTensorSum's cost. ts2: its m64n8k16 row-sum wgmmas after the P V ones, in
# two accumulators (no chain of eight); nf: no row-sum GEMM at all (timing only, wrong results:
# the bound of taking the FADDs off the FMA pipe for free); against base, nc and ts of call 1.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/s14; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
{
for sq in 8192:1 16384:1; do
  timeout 150 python3 bench/ab_var.py --seqlen ${sq%:*} --q-scale ${sq#*:} --libs $c/base,$c/nc,$c/ts,$c/ts2,$c/nf --keys causal-plain,full-plain,causal-softcap50,causal-w4096_0-softcap50; stamp "$sq" $?
done
} > $L/ab.log 2>&1; cat $L/ab.log
true
