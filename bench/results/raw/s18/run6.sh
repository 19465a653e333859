#!/bin/bash
# Session 18, call 6: kDynamicTiles, a prototype for timing (raw/s18/dynamic-tiles.patch: after
# its first tile a persistent block's producer takes its next tile from a global counter, one
# tile ahead, and hands it to the consumers with the tile's Q; the last block done zeroes the
# counter), on the two 1024-key windows, whose SMs' active cycles spread 4.1-4.6% over the mean
# at 8k and 6% at 16k under the fixed rounds (call 5's ncu). CARRY=.carry/s18d: base (main),
# dy (the patch, w1024_0 and w1024_0 + softcap set it). tests/gpu (full grid, the w1024_0
# entries) of dy, then ab_var at 4k, 8k and 16k keys (8k and 16k twice).
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
QIMENG_TEST_FILTER=-w1024_0 timeout 80 .carry/s18d/dy/gpu-tests > $L/gpu-tests.log 2>&1; stamp "gpu-tests dy" $?
grep -E "FAIL|^kernels:|panicked" $L/gpu-tests.log | tail -8
a=.carry/s18d
{
for sq in 4096 8192 16384 8192 16384; do
  timeout 60 python3 bench/ab_var.py --seqlen $sq --libs $a/base,$a/dy --keys causal-w1024_0,causal-w1024_0-softcap50; stamp "ab $sq" $?
done
} > $L/ab.log 2>&1; grep -E "device|plain|base|dy |rc=" $L/ab.log
true
