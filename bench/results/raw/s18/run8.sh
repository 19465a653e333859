#!/bin/bash
# Session 18, call 8: kShortLast only where a persistent round covers fewer than two (head,
# batch) pairs (2 m_blocks > grid, kHeadGroup's switch: 16k keys and up here), where call 2
# measured it +0.3..1.9% (raw/s18/short-last-16k.patch on main 558b574). CARRY=.carry/s18e:
# base (main), sl (w1024_0 and w1024_0 + softcap set it). tests/gpu (full grid, the w1024_0
# entries: the 8600-row cases take the new order) of sl, then ab_var at 16k five times, 8k once.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
QIMENG_TEST_FILTER=-w1024_0 timeout 80 .carry/s18e/sl/gpu-tests > $L/gpu-tests.log 2>&1; stamp "gpu-tests sl" $?
grep -E "FAIL|^kernels:|panicked" $L/gpu-tests.log | tail -8
a=.carry/s18e
{
for sq in 16384 16384 8192 16384 16384 16384; do
  timeout 60 python3 bench/ab_var.py --seqlen $sq --libs $a/base,$a/sl --keys causal-w1024_0,causal-w1024_0-softcap50; stamp "ab $sq" $?
done
} > $L/ab.log 2>&1; grep -E "device|plain|base|sl |rc=" $L/ab.log
true
