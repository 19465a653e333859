#!/bin/bash
# Session 17, call 16: kMaskedFold's mask without the left bound on a block no row of the tile
# sees cut on the left (j >= tl.n_left: a causal window's diagonal block; one ISETP a score
# less): rb = raw/s17/fold-right-bound.patch on 20230f9, CARRY=.carry/s17l. tests/gpu of rb's
# window entries (full grid), then ab_var at 16k three times, at 8k twice, at 8k q x 8 once.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; c=.carry/s17l; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
QIMENG_TEST_FILTER=softcap timeout 120 $c/rb/gpu-tests > $L/gpu-tests.log 2>&1; stamp "gpu-tests rb" $?
grep -E "FAIL|^kernels:|panicked" $L/gpu-tests.log | tail -4
K=causal-w1024_0-softcap50,causal-w4096_0-softcap50
{
for sq in 16384 8192 16384 8192 16384; do
  timeout 100 python3 bench/ab_var.py --seqlen $sq --libs $c/base,$c/rb --keys $K; stamp "ab $sq" $?
done
timeout 100 python3 bench/ab_var.py --seqlen 8192 --q-scale 8 --libs $c/base,$c/rb --keys $K; stamp "ab 8192 q x 8" $?
} > $L/ab.log 2>&1; grep -E "device|plain|base|rb |rc=" $L/ab.log
true
