#!/bin/bash
# Session 15, call 1: full ALiBi's step. ae (alibi-early.patch): the block's side and row term
# and the next block's table address between the S and P V GEMMs' issues, the loads at the step's
# end on a precomputed address; af (alibi-fill.patch): ae with the key part written by FMULs
# instead of 16 LDS.128; az: af writing zeros (wrong results, timing only: the preload's cost);
# base: main a166926. tests/gpu on ae's and af's ALiBi entries first.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/s15; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
QIMENG_TEST_FILTER=alibi timeout 200 $c/ae/gpu-tests > $L/gpu-tests-ae.log 2>&1 &
QIMENG_TEST_FILTER=alibi timeout 200 $c/af/gpu-tests > $L/gpu-tests-af.log 2>&1 &
wait; stamp "gpu-tests" 0 | tee $L/rc.txt
grep -hE "FAIL|^kernels:|panicked|error|test result" $L/gpu-tests-a*.log | head -20
{
A="--libs $c/base,$c/ae,$c/af,$c/az"
for sq in 8192 16384; do
  timeout 150 python3 bench/ab_var.py --seqlen $sq $A --keys full-alibi,causal-alibi,full-plain; stamp "bf16 d128 $sq" $?
done
timeout 100 python3 bench/ab_var.py --seqlen 8192 --q-scale 4 $A --keys full-alibi,causal-alibi; stamp "8k q4" $?
timeout 100 python3 bench/ab_var.py --seqlen 2048 $A --keys full-alibi,causal-alibi; stamp "2k" $?
} > $L/ab.log 2>&1; cat $L/ab.log
true
