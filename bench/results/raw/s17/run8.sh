#!/bin/bash
# Session 17, call 8: w1024_0 + softcap without kHeadGroup, with kMaskedFold (mfhg0) or with
# kStaticOffset and kMaskedFold (somfhg0; call 7: somf ties mf at q x 1 on this entry and gains
# 2.7-3.4% at q x 4-8). CARRY=.carry/s17h, builds on 630af32 + raw/s17/static-offset-masked-
# fold.patch. tests/gpu of somfhg0, then ab_var at 8k and 16k three times, at 8k q x 4 and 8.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; s=$(date +%s); c=.carry/s17h
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
QIMENG_TEST_FILTER=softcap timeout 100 $c/somfhg0/gpu-tests > $L/gpu-tests.log 2>&1; stamp "gpu-tests somfhg0" $?
grep -E "FAIL|^kernels:|panicked" $L/gpu-tests.log | tail -4
K=causal-w1024_0-softcap50
{
for i in 1 2 3; do for sq in 8192 16384; do
  timeout 100 python3 bench/ab_var.py --seqlen $sq --libs $c/base,$c/mfhg0,$c/somfhg0 --keys $K; stamp "ab $sq $i" $?
done; done
for qs in 4 8; do
  timeout 100 python3 bench/ab_var.py --seqlen 8192 --q-scale $qs --libs $c/base,$c/mfhg0,$c/somfhg0 --keys $K; stamp "ab 8192 q x $qs" $?
done
} > $L/ab.log 2>&1; grep -E "device|plain|base|mfhg0 |somfhg0 |rc=" $L/ab.log
true
