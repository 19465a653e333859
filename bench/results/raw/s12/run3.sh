#!/bin/bash
# Session 12, call 3: where full ALiBi's time goes, by ablation (timing only: these builds give
# wrong results): noload (no key-part table loads), nort (no row term), noside (every block
# taken as left of the diagonal), all three; and the row term before the wait without its select
# (rt2) and with it (rt), against main 7c6de22 (base).
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/s12; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
{
for sq in 8192:1 16384:1; do
  timeout 120 python3 bench/ab_var.py --seqlen ${sq%:*} --q-scale ${sq#*:} --libs $c/base,$c/noload,$c/nort,$c/noside,$c/noloadnortnoside,$c/rt,$c/rt2 --keys full-alibi,causal-alibi; stamp "$sq" $?
done
timeout 80 python3 bench/ab_var.py --seqlen 8192 --q-scale 4 --libs $c/base,$c/rt,$c/rt2 --keys full-alibi,causal-alibi; stamp "8192:4" $?
} > $L/ab.log 2>&1; cat $L/ab.log
true
