#!/bin/bash
# Session 15, call 2: full ALiBi's step, after call 1 (ae: no gain on full, causal -3%; the
# preload written as zeros no faster than the loads on full). at (alibi-tail-row.patch): the
# next block's side flag and row term with its preload at the end of the step before (as causal
# ALiBi's row term already was), so that no side arithmetic sits between S landing and the
# softmax; atu (alibi-tail-row-vq.patch): at with Q's descriptors per warp (kUniformQ not
# forced for ALiBi). base: main a166926; ae as in call 1. tests/gpu on at's ALiBi entries first.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/s15; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
QIMENG_TEST_FILTER=alibi timeout 200 $c/at/gpu-tests > $L/gpu-tests-at.log 2>&1
stamp "gpu-tests" $? | tee $L/rc.txt
grep -hE "FAIL|^kernels:|panicked|error" $L/gpu-tests-at.log | head -20
{
A="--libs $c/base,$c/ae,$c/at,$c/atu"
for sq in 8192 16384; do
  timeout 150 python3 bench/ab_var.py --seqlen $sq $A --keys full-alibi,causal-alibi,full-plain; stamp "bf16 d128 $sq" $?
done
timeout 100 python3 bench/ab_var.py --seqlen 8192 --q-scale 4 $A --keys full-alibi,causal-alibi; stamp "8k q4" $?
timeout 100 python3 bench/ab_var.py --seqlen 2048 $A --keys full-alibi,causal-alibi; stamp "2k" $?
} > $L/ab.log 2>&1; cat $L/ab.log
true
