#!/bin/bash
# Session 12, call 2: ALiBi's row term computed before the S GEMM's wait (rt: the working tree),
# rt with Q's descriptors per warp (rtuq: kUniformQ not forced for ALiBi), rt with two Q buffers
# on full ALiBi (rtq2: kQStages = 2), against main 7c6de22 (base); rt's tests/gpu on ALiBi.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/s12; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
QIMENG_TEST_FILTER=alibi timeout 200 $c/rt/gpu-tests > $L/gpu-tests.log 2>&1; stamp "gpu-tests rt" $? | tee -a $L/rc.txt
grep -E "FAIL|^kernels:|panicked" $L/gpu-tests.log | head -20
{
for sq in 8192:1 16384:1 2048:1 8192:4; do
  timeout 80 python3 bench/ab_var.py --seqlen ${sq%:*} --q-scale ${sq#*:} --libs $c/base,$c/rt,$c/rtuq,$c/rtq2 --keys full-alibi,causal-alibi; stamp "$sq" $?
done
} > $L/ab.log 2>&1; cat $L/ab.log
true
