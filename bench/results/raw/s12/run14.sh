#!/bin/bash
# Session 12, call 14: softcap's later blocks take the first kTierHead chunks' P by the narrow
# tier while the tier's compares and vote run (raw/s12/tier-head.patch; th4: 4 chunks = 16
# scores a thread, th8: 8 = 32), against main 263b3e5 (m13); their tests/gpu on the softcap
# entries, full grid.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/s12; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
( QIMENG_TEST_FILTER=softcap timeout 200 $c/th4/gpu-tests > $L/gpu-tests-th4.log 2>&1; stamp "gpu-tests th4" $? >> $L/rc.txt ) &
( QIMENG_TEST_FILTER=softcap timeout 200 $c/th8/gpu-tests > $L/gpu-tests-th8.log 2>&1; stamp "gpu-tests th8" $? >> $L/rc.txt ) &
wait; cat $L/rc.txt; grep -hE "FAIL|^kernels:|panicked" $L/gpu-tests-*.log | head -10
{
for sq in 8192:1 16384:1 2048:1 8192:4 8192:8; do
  timeout 80 python3 bench/ab_var.py --seqlen ${sq%:*} --q-scale ${sq#*:} --libs $c/m13,$c/th4,$c/th8 --keys causal-plain,causal-softcap50,causal-w4096_0-softcap50,causal-w1024_0-softcap50; stamp "$sq" $?
done
} > $L/ab.log 2>&1; cat $L/ab.log
true
