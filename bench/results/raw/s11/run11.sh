#!/bin/bash
# Session 11, call 11: the producer's slot waits (k_empty, v_empty) with a long suspend-time hint
# on mbarrier.try_wait (branch s11-exp2's kProducerHint; call 9's ncu counted ~190 try_wait spins
# a block in full ALiBi's producer against ~13 in plain full's) on six entries (.carry/s11/hint)
# against main 4abf629 (.carry/s11/main2); then hint's tests/gpu on them.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/s11; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
{
for sq in 8192:1 16384:1 2048:1 8192:4; do
  timeout 90 python3 bench/ab_var.py --seqlen ${sq%:*} --q-scale ${sq#*:} --libs $c/main2,$c/hint --keys causal-plain,full-plain,causal-alibi,full-alibi,causal-softcap50,causal-w4096_0; stamp "$sq" $?
done
} > $L/ab.log 2>&1; cat $L/ab.log
QIMENG_TEST_FILTER=fwd-h timeout 200 $c/hint/gpu-tests > $L/gpu-tests.log 2>&1; stamp "gpu-tests hint" $? | tee -a $L/rc.txt
grep -E "FAIL|^kernels:|panicked" $L/gpu-tests.log | head -20
true
