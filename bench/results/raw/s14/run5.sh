#!/bin/bash
# Session 14, call 5: kTensorSum on the short schedules, 512 to 4k keys (b x s = 16k tokens, the
# FA3 grid's cells), the builds of call 4: ta (d128 full; d64 causal and full with every schedule
# on it, d64 full's kDeferEpilogue off), tc (d128 causal: kQStages 1, kCrossTile off on its
# short schedule), against main f891367 (base).
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/s14; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
{
for sq in 512 1024 2048 4096; do
  for d in 128 64; do
    timeout 100 python3 bench/ab_var.py --seqlen $sq --d $d --libs $c/base,$c/ta,$c/tc --keys causal-plain,full-plain --rounds 7; stamp "bf16 d$d $sq" $?
  done
done
} > $L/ab.log 2>&1; cat $L/ab.log
true
