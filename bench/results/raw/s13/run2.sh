#!/bin/bash
# Session 13, call 2: causal softcap's persistent short schedule (<= 8k keys) with the plain
# entry's tile-boundary options again (qx: kQStages 2 + kCrossTile; k3: kKStages 3), and with
# the block-per-tile schedule at 8k (bt: kMaxSeqlenK 4096), against main 988b5d0 (base);
# timing only (session 8 measured qx before kFixedMax: -1..-2.6%).
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/s13; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
{
for sq in 8192:1 4096:1 2048:1 8192:8; do
  timeout 80 python3 bench/ab_var.py --seqlen ${sq%:*} --q-scale ${sq#*:} --libs $c/base,$c/qx,$c/k3,$c/bt --keys causal-plain,causal-softcap50; stamp "$sq" $?
done
} > $L/ab.log 2>&1; cat $L/ab.log

# gnp: Gemma 2's window + softcap entry on the block-per-tile schedule (no kPersistent, kKStages,
# kHeadGroup)
{
for sq in 8192:1 16384:1 4096:1; do
  timeout 80 python3 bench/ab_var.py --seqlen ${sq%:*} --q-scale ${sq#*:} --libs $c/base,$c/gnp --keys causal-plain,causal-w4096_0-softcap50; stamp "gnp $sq" $?
done
} > $L/ab-gnp.log 2>&1; cat $L/ab-gnp.log
true
