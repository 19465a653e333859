#!/bin/bash
# Session 11, call 6: softcap's later-block tier test from bf16x2 maxima (HMNMX2, two scores an
# instruction at full rate) instead of FMNMX (.carry/s11/hm, the working tree) and the FSETP form
# of call 5 (.carry/s11/vote) against main bf2c931 (.carry/s11/main); then hm's tests/gpu and
# compute-sanitizer on the three softcap entries.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/s11; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
{
for sq in 8192:1 16384:1 2048:1 8192:4 8192:8 16384:4; do
  timeout 60 python3 bench/ab_var.py --seqlen ${sq%:*} --q-scale ${sq#*:} --libs $c/main,$c/vote,$c/hm --keys causal-softcap50,causal-w4096_0-softcap50,causal-w1024_0-softcap50; stamp "$sq" $?
done
} > $L/ab.log 2>&1; cat $L/ab.log
QIMENG_TEST_FILTER=softcap timeout 200 $c/hm/gpu-tests > $L/gpu-tests.log 2>&1; stamp "gpu-tests hm" $? | tee -a $L/rc.txt
grep -E "FAIL|^kernels:|panicked" $L/gpu-tests.log | head -20
san() { QIMENG_TEST_FILTER="$2" QIMENG_TEST_SHAPES=small timeout 200 compute-sanitizer --tool $1 --error-exitcode 3 $c/hm/gpu-tests > /tmp/san-$1-$2.log 2>&1
  r=$?; { stamp "== $1 $2" $r; grep -E "ERROR SUMMARY|RACECHECK SUMMARY|^kernels:" /tmp/san-$1-$2.log | head -n 4; } > $L/san.$1-$2; }
san memcheck softcap & san racecheck softcap & san synccheck softcap &
wait; cat $L/san.* > $L/sanitizers.log; rm -f $L/san.*; cat $L/sanitizers.log
true
