#!/bin/bash
# Session 18, call 2: kShortLast (raw/s18/short-last.patch: a persistent causal window runs the
# query blocks whose window the sequence's start cuts after every whole-window tile, longest
# first across the pairs) on 3bfc903. CARRY=.carry/s18b: base (the patch, no entry sets it),
# sl (w1024_0 and w1024_0 + softcap set it). tests/gpu (full grid, the w1024_0 entries) of
# both, then ab_var at 4k, 8k and 16k keys (8k and 16k twice).
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
: > $L/gpu-tests.log
for b in base sl; do
  echo "== $b" >> $L/gpu-tests.log
  QIMENG_TEST_FILTER=-w1024_0 timeout 100 .carry/s18b/$b/gpu-tests >> $L/gpu-tests.log 2>&1; stamp "gpu-tests $b" $?
done
grep -E "^==|FAIL|^kernels:|panicked" $L/gpu-tests.log | tail -12
a=.carry/s18b
{
for sq in 4096 8192 16384 8192 16384; do
  timeout 70 python3 bench/ab_var.py --seqlen $sq --libs $a/base,$a/sl --keys causal-w1024_0,causal-w1024_0-softcap50; stamp "ab $sq" $?
done
} > $L/ab.log 2>&1; grep -E "device|plain|base|sl |rc=" $L/ab.log
true
