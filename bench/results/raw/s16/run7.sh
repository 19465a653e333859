#!/bin/bash
# Session 16, call 7: kQScaleAhead (raw/s16/q-scale-ahead.patch on 0a029f2, build qa, CARRY=.carry/s16d):
# the producer warpgroup's warps 1..3 scale each tile's Q in shared memory once it lands and
# signal a q_ready barrier; the consumers wait for it instead of scaling their rows themselves
# between a tile's epilogue and its first S GEMM. tests/gpu of qa's entries (full grid),
# compute-sanitizer racecheck and synccheck on its softcap entries (small grid), then ab_var.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; W=/tmp/w7; mkdir -p $W; c=.carry/s16d; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
QIMENG_TEST_FILTER=fwd-h100-bf16-d128 timeout 200 $c/qa/gpu-tests > $L/gpu-tests-qa.log 2>&1; stamp "gpu-tests qa" $?
grep -E "FAIL|^kernels:|panicked" $L/gpu-tests-qa.log | tail -8
: > $L/sanitizers.log
for tool in racecheck synccheck memcheck; do
  QIMENG_TEST_FILTER=softcap QIMENG_TEST_SHAPES=small timeout 150 compute-sanitizer --tool $tool --error-exitcode 3 $c/qa/gpu-tests > $W/san-$tool.log 2>&1
  rc=$?; { stamp "== $tool qa softcap" $rc; grep -E "ERROR SUMMARY|RACECHECK SUMMARY|^kernels:" $W/san-$tool.log | head -n 4; } >> $L/sanitizers.log
done
cat $L/sanitizers.log
K=causal-w1024_0-softcap50,causal-w4096_0-softcap50,causal-softcap50
{
for i in 1 2; do for sq in 8192 16384; do
  timeout 150 python3 bench/ab_var.py --seqlen $sq --libs $c/base,$c/qa --keys $K; stamp "ab $sq $i" $?
done; done
timeout 150 python3 bench/ab_var.py --seqlen 8192 --q-scale 4 --libs $c/base,$c/qa --keys $K; stamp "ab 8192 q x 4" $?
timeout 150 python3 bench/ab_var.py --seqlen 2048 --libs $c/base,$c/qa --keys $K; stamp "ab 2048" $?
} > $L/ab.log 2>&1; grep -E "device|plain|base|qa |rc=" $L/ab.log
true
