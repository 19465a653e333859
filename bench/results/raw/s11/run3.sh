#!/bin/bash
# Session 11, call 3: ALiBi with kSpecExp, its key blocks visited outward from the diagonal
# (kOutward), against session 10's main. .carry/s11/base as in run2.sh; .carry/s11/out =
# bench/ab_build.sh (TESTS=1) of the working tree with kSpecExp on the two ALiBi entries (KEEP:
# d128 bf16 plain causal/full and ALiBi causal/full). bash bench/results/raw/s11/run3.sh
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/s11; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
QIMENG_TEST_FILTER=alibi timeout 200 $c/out/gpu-tests > $L/gpu-tests.log 2>&1; stamp "gpu-tests out" $? | tee -a $L/rc.txt
grep -E "FAIL|^kernels:|panicked" $L/gpu-tests.log | head -20
{
L2=$c/base,$c/out
for sq in 8192:1 16384:1 2048:1 4096:1 8192:4 8192:8 1024:1; do
  timeout 60 python3 bench/ab_var.py --seqlen ${sq%:*} --q-scale ${sq#*:} --libs $L2 --keys causal-alibi,full-alibi; stamp "$sq" $?
done
} > $L/ab.log 2>&1; cat $L/ab.log
san() { QIMENG_TEST_FILTER="$2" QIMENG_TEST_SHAPES=small timeout 200 compute-sanitizer --tool $1 --error-exitcode 3 $c/out/gpu-tests > /tmp/san-$1-$2.log 2>&1
  r=$?; { stamp "== $1 $2" $r; grep -E "ERROR SUMMARY|RACECHECK SUMMARY|^kernels:" /tmp/san-$1-$2.log | head -n 4; } > $L/san.$1-$2; }
san memcheck alibi & san racecheck alibi & san synccheck alibi &
wait; cat $L/san.* > $L/sanitizers.log; rm -f $L/san.*; cat $L/sanitizers.log
true
