#!/bin/bash
# Session 11, call 7: softcap's adaptive tier test (.carry/s11/adapt, the working tree: after a
# narrow block the FSETP compares of call 5, after a wide one the FMNMX max) against main
# bf2c931 (.carry/s11/main) and call 5's FSETP-always form (.carry/s11/vote). Then tests/gpu of
# the working tree's release build (.carry/s11/final/gpu-tests) on every h100 bf16/f16 and h200
# entry, full grid, with the records, and compute-sanitizer on the softcap entries.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/s11; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
{
for sq in 8192:1 16384:1 2048:1 8192:4 8192:8; do
  timeout 60 python3 bench/ab_var.py --seqlen ${sq%:*} --q-scale ${sq#*:} --libs $c/main,$c/vote,$c/adapt --keys causal-softcap50,causal-w4096_0-softcap50,causal-w1024_0-softcap50; stamp "$sq" $?
done
} > $L/ab.log 2>&1; cat $L/ab.log
export QIMENG_DATE=$(date -u +%F)
for f in fwd-h100-bf16 fwd-h100-f16 fwd-h200; do
  QIMENG_TEST_FILTER=$f QIMENG_COMMAND="bash bench/results/raw/s11/run7.sh (tests/gpu, the adaptive softcap tier test)" QIMENG_VERIFY_LOG=$out/verify.jsonl timeout 300 $c/final/gpu-tests > $L/t-$f.log 2>&1; stamp "gpu-tests $f" $? | tee -a $L/rc.txt
  grep -E "FAIL|^kernels:|panicked" $L/t-$f.log | head -20
done
cat $L/t-*.log > $L/gpu-tests.log; rm -f $L/t-*.log
san() { QIMENG_TEST_FILTER="$2" QIMENG_TEST_SHAPES=small timeout 120 compute-sanitizer --tool $1 --error-exitcode 3 $c/final/gpu-tests > /tmp/san-$1-$2.log 2>&1
  r=$?; { stamp "== $1 $2" $r; grep -E "ERROR SUMMARY|RACECHECK SUMMARY|^kernels:" /tmp/san-$1-$2.log | head -n 4; } > $L/san.$1-$2; }
san memcheck softcap & san racecheck softcap & san synccheck softcap &
wait; cat $L/san.* > $L/sanitizers.log; rm -f $L/san.*; cat $L/sanitizers.log
true
