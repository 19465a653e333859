#!/bin/bash
# Session 18, call 10: the 4096-key windows (Mistral's, Gemma 2's) with kShortLast in place of
# kHeadGroup 16 (both switch on where a round covers about one pair: 16k here), on main 5472b1d.
# CARRY=.carry/s18f: base (main: kHeadGroup 16), sl (kHeadGroup 0 + kShortLast). tests/gpu (full
# grid, the w4096_0 entries) of sl, then ab_var at 16k three times and 8k once (the same order).
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
QIMENG_TEST_FILTER=-w4096_0 timeout 90 .carry/s18f/sl/gpu-tests > $L/gpu-tests.log 2>&1; stamp "gpu-tests sl" $?
grep -E "FAIL|^kernels:|panicked" $L/gpu-tests.log | tail -8
a=.carry/s18f
{
for sq in 16384 16384 8192 16384; do
  timeout 60 python3 bench/ab_var.py --seqlen $sq --libs $a/base,$a/sl --keys causal-w4096_0,causal-w4096_0-softcap50; stamp "ab $sq" $?
done
} > $L/ab.log 2>&1; grep -E "device|plain|base|sl |rc=" $L/ab.log
true
