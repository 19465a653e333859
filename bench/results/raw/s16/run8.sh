#!/bin/bash
# Session 16, call 8: kQScaleAhead again (raw/s16/q-scale-ahead.patch, build qa, CARRY=.carry/s16d),
# with the producer at 24 registers: call 7's build gave the producer 32, which the CTA's pool
# (168 x 384 = 64512) cannot hold beside 240 x 256 consumers, so their setmaxnreg.inc waited
# forever (every test timed out). Short timeouts; tests/gpu of qa's entries (full grid), racecheck
# on the w1024_0 softcap entry (small grid), one ab_var at 8k and 16k.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; W=/tmp/w8; mkdir -p $W; c=.carry/s16d; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
QIMENG_TEST_FILTER=fwd-h100-bf16-d128 timeout 90 $c/qa/gpu-tests > $L/gpu-tests-qa.log 2>&1; rc=$?; stamp "gpu-tests qa" $rc
grep -E "FAIL|^kernels:|panicked" $L/gpu-tests-qa.log | tail -8
[ $rc = 0 ] || exit 0
QIMENG_TEST_FILTER=w1024_0-softcap QIMENG_TEST_SHAPES=small timeout 60 compute-sanitizer --tool racecheck --error-exitcode 3 $c/qa/gpu-tests > $W/san.log 2>&1
stamp "racecheck qa w1024_0-softcap" $?; grep -E "RACECHECK SUMMARY|^kernels:" $W/san.log | tee $L/sanitizers.log
K=causal-w1024_0-softcap50,causal-w4096_0-softcap50,causal-softcap50
{
for sq in 8192 16384; do
  timeout 60 python3 bench/ab_var.py --seqlen $sq --libs $c/base,$c/qa --keys $K; stamp "ab $sq" $?
done
} > $L/ab.log 2>&1; grep -E "device|plain|base|qa |rc=" $L/ab.log
true
