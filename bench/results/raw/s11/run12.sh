#!/bin/bash
# Session 11, call 12: kUniformQ on d64's 3-warpgroup Spec (the review's 24-byte spill on the
# full entries' Spec goes away; the short schedules unchanged). .carry/s11/d64uq: bench/ab_build.sh's
# copy of main with the sed of run12's header comment, the causal entries' duplicate removed by
# hand (their ShortSpec sets kUniformQ already), re-sealed and built; .carry/s11/d64base: main.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/s11; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
{
for dt in bf16 f16; do for sq in 8192:1 16384:1 2048:1 4096:1 8192:4; do
  timeout 60 python3 bench/ab_var.py --d 64 --dtype $dt --seqlen ${sq%:*} --q-scale ${sq#*:} --libs $c/d64base,$c/d64uq --keys causal-plain,full-plain; stamp "$dt $sq" $?
done; done
} > $L/ab.log 2>&1; cat $L/ab.log
QIMENG_TEST_FILTER=d64 timeout 200 $c/d64uq/gpu-tests > $L/gpu-tests.log 2>&1; stamp "gpu-tests d64uq" $? | tee -a $L/rc.txt
grep -E "FAIL|^kernels:|panicked" $L/gpu-tests.log | head -20
true
