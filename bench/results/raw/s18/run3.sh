#!/bin/bash
# Session 18, call 3: the narrow tier's test by HMNMX2 (raw/s18/narrow-hmnmx2.patch: warp_narrow
# takes the largest bf16-truncated |s| in 4 chains of max.xorsign.abs.bf16x2 on the scores' f32
# bits, then one vote, instead of an FSETP per score ORed into predicates) on c16ee27.
# CARRY=.carry/s18c: base (c16ee27), hm (the patch: the three bf16 softcap entries change).
# tests/gpu (full grid, softcap entries) of both, then ab_var at 8k and 16k (twice), q x 4 and 8.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
: > $L/gpu-tests.log
for b in base hm; do
  echo "== $b" >> $L/gpu-tests.log
  QIMENG_TEST_FILTER=softcap timeout 100 .carry/s18c/$b/gpu-tests >> $L/gpu-tests.log 2>&1; stamp "gpu-tests $b" $?
done
grep -E "^==|FAIL|^kernels:|panicked" $L/gpu-tests.log | tail -12
a=.carry/s18c; k=causal-w1024_0-softcap50,causal-w4096_0-softcap50,causal-softcap50
{
for sq in 8192 16384 8192 16384; do
  timeout 60 python3 bench/ab_var.py --seqlen $sq --libs $a/base,$a/hm --keys $k; stamp "ab $sq" $?
done
for qs in 4 8; do
  timeout 60 python3 bench/ab_var.py --seqlen 8192 --q-scale $qs --libs $a/base,$a/hm --keys $k; stamp "ab 8192 q x $qs" $?
done
} > $L/ab.log 2>&1; grep -E "device|plain|base|hm |rc=" $L/ab.log
true
