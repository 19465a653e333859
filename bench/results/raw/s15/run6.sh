#!/bin/bash
# Session 15, call 6: call 5's closing sample put Gemma 2's window (w4096_0 + softcap 50) at
# 0.895 at 8k, where session 14's two samples read 0.931 / 0.922; its plain entry's time varied
# 667..727 TFLOP/s across that table's rows. An A/B in one process (ab_var.py, 5 rounds) of
# main a166926 (base) against 66979d1 (final) on the entries the change touched, then a second
# sample of the closing ratios (variants_speed.py) on final.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/s15; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
{
A="--libs $c/base,$c/final"
for sq in 8192 16384; do
  timeout 150 python3 bench/ab_var.py --seqlen $sq $A --keys causal-w4096_0-softcap50,causal-w4096_0,causal-softcap50,full-alibi,causal-alibi,causal-plain,full-plain; stamp "bf16 d128 $sq" $?
done
} > $L/ab.log 2>&1; cat $L/ab.log
timeout 90 python3 bench/variants_speed.py --lib $c/final --parts variants,varlen --seqlens 8192,16384 --varlen-seqlens 4096,16384 --reps 10 --rounds 3 --no-flex --out $L/variants.md > $L/variants.log 2>&1; stamp "variants" $?
grep -E "^\| (8192|16384)" $L/variants.md | awk -F'|' '{print $2,$4,$8}'
true
