#!/bin/bash
# Session 16, call 5: kMaskedPoly (raw/s16/masked-poly.patch on e8e5000, build mp, CARRY=.carry/s16b):
# a masked softcap block whose warp sees only narrow scores takes tanh as the cubic on the FMA
# pipe instead of MUFU.TANH. tests/gpu of mp's entries (full grid), then ab_var against base at 8k
# and 16k (twice) and at 8k with q x 8 (wide scores: the masked blocks keep MUFU).
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; c=.carry/s16b; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
QIMENG_TEST_FILTER=fwd-h100-bf16-d128 timeout 200 $c/mp/gpu-tests > $L/gpu-tests-mp.log 2>&1; stamp "gpu-tests mp" $?
grep -E "FAIL|^kernels:|panicked" $L/gpu-tests-mp.log | tail -8
K=causal-w1024_0-softcap50,causal-w4096_0-softcap50,causal-softcap50
{
for i in 1 2; do for sq in 8192 16384; do
  timeout 150 python3 bench/ab_var.py --seqlen $sq --libs $c/base,$c/mp --keys $K; stamp "ab $sq $i" $?
done; done
timeout 150 python3 bench/ab_var.py --seqlen 8192 --q-scale 8 --libs $c/base,$c/mp --keys $K; stamp "ab 8192 q x 8" $?
} > $L/ab.log 2>&1; grep -E "device|plain|base|mp |rc=" $L/ab.log
true
