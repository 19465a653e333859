#!/bin/bash
# Session 17, call 15: kMaskedFold on the tile's first block too (ff: raw/s17/masked-fold-first.patch
# on 971e159: a narrow masked first block folds the cubic, takes its rows' exact max of the
# folded arguments for kFixedMax's offset, then exp2(arg - m); in a causal window that block is
# the left edge). CARRY=.carry/s17k. tests/gpu of ff's softcap entries (full grid), then ab_var
# at 16k three times, at 8k twice, at 8k q x 8 once.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; c=.carry/s17k; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
QIMENG_TEST_FILTER=softcap timeout 120 $c/ff/gpu-tests > $L/gpu-tests.log 2>&1; stamp "gpu-tests ff" $?
grep -E "FAIL|^kernels:|panicked" $L/gpu-tests.log | tail -4
K=causal-w1024_0-softcap50,causal-w4096_0-softcap50,causal-softcap50
{
for sq in 16384 8192 16384 8192 16384; do
  timeout 100 python3 bench/ab_var.py --seqlen $sq --libs $c/base,$c/ff --keys $K; stamp "ab $sq" $?
done
timeout 100 python3 bench/ab_var.py --seqlen 8192 --q-scale 8 --libs $c/base,$c/ff --keys $K; stamp "ab 8192 q x 8" $?
} > $L/ab.log 2>&1; grep -E "device|plain|base|ff |rc=" $L/ab.log
true
