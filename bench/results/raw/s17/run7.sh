#!/bin/bash
# Session 17, call 7: kMaskedFold alone (mf) against kStaticOffset + kMaskedFold (somf) on the
# three softcap entries (call 6 found kStaticOffset costing 0.5-2% at q x 1 and gaining 2.5-5% at
# q x 8), and mfhg0 = mf with w1024_0 + softcap's kHeadGroup removed (call 4). CARRY=.carry/s17g,
# builds on 630af32 + raw/s17/static-offset-masked-fold.patch. tests/gpu (softcap entries, full
# grid) of each new build, then ab_var at 8k and 16k twice, and at 8k q x 4 and q x 8.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; s=$(date +%s); c=.carry/s17g
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
: > $L/gpu-tests.log
for b in mf mfhg0; do
  echo "== $b" >> $L/gpu-tests.log
  QIMENG_TEST_FILTER=softcap timeout 100 $c/$b/gpu-tests >> $L/gpu-tests.log 2>&1; stamp "gpu-tests $b" $?
done
grep -E "^==|FAIL|^kernels:|panicked" $L/gpu-tests.log | tail -12
K=causal-w1024_0-softcap50,causal-w4096_0-softcap50,causal-softcap50
{
for i in 1 2; do for sq in 8192 16384; do
  timeout 100 python3 bench/ab_var.py --seqlen $sq --libs $c/base,$c/mf,$c/somf,$c/mfhg0 --keys $K; stamp "ab $sq $i" $?
done; done
for qs in 4 8; do
  timeout 100 python3 bench/ab_var.py --seqlen 8192 --q-scale $qs --libs $c/base,$c/mf,$c/somf,$c/mfhg0 --keys $K; stamp "ab 8192 q x $qs" $?
done
} > $L/ab.log 2>&1; grep -E "device|plain|base|mf |somf |mfhg0 |rc=" $L/ab.log
true
