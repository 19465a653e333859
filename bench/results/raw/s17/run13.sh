#!/bin/bash
# Session 17, call 13: kEdgeLast (a window tile visits its first key block, the masked left edge,
# last, so that an unmasked block sets kFixedMax's offset and both masked blocks take
# kMaskedFold): raw/s17/edge-last.patch on e9c658f, build el (CARRY=.carry/s17j) on w1024_0 +
# softcap and Gemma 2's window. tests/gpu of el's entries (full grid), then ab_var at 8k and 16k,
# twice, and at 8k q x 4 and 8.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; c=.carry/s17j; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
QIMENG_TEST_FILTER=softcap timeout 120 $c/el/gpu-tests > $L/gpu-tests.log 2>&1; stamp "gpu-tests el" $?
grep -E "FAIL|^kernels:|panicked" $L/gpu-tests.log | tail -4
K=causal-w1024_0-softcap50,causal-w4096_0-softcap50
{
for i in 1 2; do for sq in 8192 16384; do
  timeout 100 python3 bench/ab_var.py --seqlen $sq --libs $c/base,$c/el --keys $K; stamp "ab $sq $i" $?
done; done
for qs in 4 8; do
  timeout 100 python3 bench/ab_var.py --seqlen 8192 --q-scale $qs --libs $c/base,$c/el --keys $K; stamp "ab 8192 q x $qs" $?
done
} > $L/ab.log 2>&1; grep -E "device|plain|base|el |rc=" $L/ab.log
true
