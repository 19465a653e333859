#!/bin/bash
# Session 16, call 10: w1024_0 + softcap50 on 64-key blocks (CARRY=.carry/s16e, sed on its kernel.cu:
# b64 = kBlockN 64, b64s3 / b64s4 = and kStages 3 / 4, which the half-size stages leave room for):
# half the masked key columns a tile (the edges are 64 keys, not 128). tests/gpu of each build's
# entry (full grid), then ab_var at 8k and 16k.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; c=.carry/s16e; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
for b in b64 b64s3 b64s4; do
  QIMENG_TEST_FILTER=w1024_0-softcap timeout 60 $c/$b/gpu-tests > $L/gpu-tests-$b.log 2>&1; stamp "gpu-tests $b" $?
  grep -E "FAIL|^kernels:|panicked" $L/gpu-tests-$b.log | tail -3
done
{
for sq in 8192 16384; do
  timeout 60 python3 bench/ab_var.py --seqlen $sq --libs $c/base,$c/b64,$c/b64s3,$c/b64s4 --keys causal-w1024_0-softcap50; stamp "ab $sq" $?
done
} > $L/ab.log 2>&1; grep -E "device|plain|base|b64|rc=" $L/ab.log
true
