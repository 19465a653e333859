#!/bin/bash
# Session 13, call 4: kQScale (bf16 softcap: each tile's Q scaled in shared memory so that the
# narrow tier's cubic coefficient is -1, two FFMAs a score instead of FMUL + two FFMAs) on the
# three softcap entries (qs), qs + kKStages 3 on causal softcap's short schedule (qk3), qs
# without the Q scaling (ac: timing only, wrong results, the ceiling), against main 988b5d0
# (base); qs's tests/gpu on the softcap entries, full grid, first.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/s13; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
QIMENG_TEST_FILTER=softcap timeout 200 $c/qs/gpu-tests > $L/gpu-tests.log 2>&1; stamp "gpu-tests qs" $? | tee $L/rc.txt
grep -hE "FAIL|^kernels:|panicked" $L/gpu-tests.log | head -10
{
for sq in 8192:1 16384:1 2048:1 8192:4 8192:8; do
  timeout 100 python3 bench/ab_var.py --seqlen ${sq%:*} --q-scale ${sq#*:} --libs $c/base,$c/qs,$c/qk3,$c/ac --keys causal-plain,causal-softcap50,causal-w4096_0-softcap50,causal-w1024_0-softcap50; stamp "$sq" $?
done
} > $L/ab.log 2>&1; cat $L/ab.log
true
