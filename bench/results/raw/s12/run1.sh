#!/bin/bash
# Session 12, call 1: ALiBi's key part through one more wgmma k step (kAlibiGemm; .carry/s12/gemm,
# the working tree with it on full-alibi and causal-alibi) against main 7c6de22 (.carry/s12/base);
# gemm's tests/gpu and compute-sanitizer on the ALiBi entries; and compute-sanitizer on main's f16
# d64 entries (.carry/s12/main-tests: session 11 could not run it).
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/s12; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
QIMENG_TEST_FILTER=alibi timeout 200 $c/gemm/gpu-tests > $L/gpu-tests.log 2>&1; stamp "gpu-tests gemm" $? | tee -a $L/rc.txt
grep -E "FAIL|^kernels:|panicked" $L/gpu-tests.log | head -20
{
for sq in 8192:1 16384:1 2048:1 8192:4 1024:1; do
  timeout 60 python3 bench/ab_var.py --seqlen ${sq%:*} --q-scale ${sq#*:} --libs $c/base,$c/gemm --keys full-alibi,causal-alibi; stamp "$sq" $?
done
} > $L/ab.log 2>&1; cat $L/ab.log
san() { QIMENG_TEST_FILTER="$3" QIMENG_TEST_SHAPES=small timeout 200 compute-sanitizer --tool $1 --error-exitcode 3 $c/$2 > /tmp/san-$1-$3.log 2>&1
  r=$?; { stamp "== $1 $2 $3" $r; grep -E "ERROR SUMMARY|RACECHECK SUMMARY|^kernels:" /tmp/san-$1-$3.log | head -n 4; } > $L/san.$1-$3; }
san memcheck gemm/gpu-tests alibi & san racecheck gemm/gpu-tests alibi & san synccheck gemm/gpu-tests alibi &
san memcheck main-tests f16-d64 & san racecheck main-tests f16-d64 & san synccheck main-tests f16-d64 &
wait; cat $L/san.* > $L/sanitizers.log; rm -f $L/san.*; cat $L/sanitizers.log
true
