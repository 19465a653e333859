#!/bin/bash
# Session 15, call 4: full ALiBi without the table preload. Call 3's ncu: full ALiBi's consumer
# warps spend ~6% of their samples waiting (short scoreboard) for the 16 LDS.128 at the loop's
# head and ~3% on the MOV that rewrites their address register. ai (alibi-inline.patch, on at):
# no table; the key part -sg a (8 c + e % 2) joins each score's exp2 offset by one FFMA that does
# not depend on S (the speculative path), or S itself before the max (the exact path). at: call
# 2's; base: main a166926. tests/gpu on ai's ALiBi entries first.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/s15; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
QIMENG_TEST_FILTER=alibi timeout 200 $c/ai/gpu-tests > $L/gpu-tests-ai.log 2>&1
stamp "gpu-tests" $? | tee $L/rc.txt
grep -hE "FAIL|^kernels:|panicked|error" $L/gpu-tests-ai.log | head -20
{
A="--libs $c/base,$c/at,$c/ai"
for sq in 8192 16384; do
  timeout 150 python3 bench/ab_var.py --seqlen $sq $A --keys full-alibi,causal-alibi,full-plain; stamp "bf16 d128 $sq" $?
done
timeout 100 python3 bench/ab_var.py --seqlen 8192 --q-scale 4 $A --keys full-alibi,causal-alibi; stamp "8k q4" $?
timeout 100 python3 bench/ab_var.py --seqlen 2048 $A --keys full-alibi,causal-alibi; stamp "2k" $?
} > $L/ab.log 2>&1; cat $L/ab.log
true
