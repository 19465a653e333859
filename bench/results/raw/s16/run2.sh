#!/bin/bash
# Session 16, call 2: kTensorSum (with kKStages 3 -> 2, to make room for the ones) on the plain
# window entries, build ts (bench/ab_build.sh, CARRY=.carry/s16; session 14 measured it on
# w1024_0 at +1.6% / +0.3% and on Mistral's w4096_0 at +0.9% / -3.1% at 8k / 16k, and kept the
# plain windows without it). tests/gpu of ts's entries (full grid) and compute-sanitizer on the
# three changed ones (small grid), then ab_var at 8k and 16k, twice.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; W=/tmp/w2; mkdir -p "$out" $W; c=.carry/s16; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
QIMENG_TEST_FILTER=fwd-h100-bf16-d128 timeout 200 $c/ts/gpu-tests > $L/gpu-tests-ts.log 2>&1; stamp "gpu-tests ts" $?
grep -E "FAIL|^kernels:|panicked|passed|failed" $L/gpu-tests-ts.log | tail -8
: > $L/sanitizers.log
for tool in memcheck racecheck synccheck; do
  QIMENG_TEST_FILTER=-w QIMENG_TEST_SHAPES=small timeout 120 compute-sanitizer --tool $tool --error-exitcode 3 $c/ts/gpu-tests > $W/san-$tool.log 2>&1
  rc=$?; { stamp "== $tool ts windows" $rc; grep -E "ERROR SUMMARY|RACECHECK SUMMARY|^kernels:" $W/san-$tool.log | head -n 4; } >> $L/sanitizers.log
done
cat $L/sanitizers.log
{
for i in 1 2; do for sq in 8192 16384; do
  timeout 150 python3 bench/ab_var.py --seqlen $sq --libs $c/base,$c/ts --keys causal-w1024_0,full-w256_256,causal-w4096_0; stamp "ab $sq $i" $?
done; done
} > $L/ab.log 2>&1; cat $L/ab.log
true
