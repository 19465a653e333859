#!/bin/bash
# Session 11, call 10: ALiBi's key-part table at half the loads (.carry/s11/tab8, the working
# tree: 8 LDS.128 a block, each value feeding the two rows 8 apart, instead of 16; call 9's ncu
# found the 16 loads stalling the warp on the shared-memory queue) against main bf2c931
# (.carry/s11/main). Then tests/gpu of the working tree's release build on every h100 bf16/f16
# and h200 entry (full grid, records) and compute-sanitizer on the ALiBi entries.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/s11; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
{
for sq in 8192:1 16384:1 2048:1 8192:4 1024:1; do
  timeout 60 python3 bench/ab_var.py --seqlen ${sq%:*} --q-scale ${sq#*:} --libs $c/main,$c/tab8 --keys causal-alibi,full-alibi; stamp "$sq" $?
done
} > $L/ab.log 2>&1; cat $L/ab.log
export QIMENG_DATE=$(date -u +%F)
for f in fwd-h100-bf16 fwd-h100-f16 fwd-h200; do
  QIMENG_TEST_FILTER=$f QIMENG_COMMAND="bash bench/results/raw/s11/run10.sh (tests/gpu, ALiBi's table at half the loads)" QIMENG_VERIFY_LOG=$out/verify.jsonl timeout 300 $c/final/gpu-tests > $L/t-$f.log 2>&1; stamp "gpu-tests $f" $? | tee -a $L/rc.txt
  grep -E "FAIL|^kernels:|panicked" $L/t-$f.log | head -20
done
cat $L/t-*.log > $L/gpu-tests.log; rm -f $L/t-*.log
san() { QIMENG_TEST_FILTER="$2" QIMENG_TEST_SHAPES=small timeout 120 compute-sanitizer --tool $1 --error-exitcode 3 $c/final/gpu-tests > /tmp/san-$1-$2.log 2>&1
  r=$?; { stamp "== $1 $2" $r; grep -E "ERROR SUMMARY|RACECHECK SUMMARY|^kernels:" /tmp/san-$1-$2.log | head -n 4; } > $L/san.$1-$2; }
san memcheck alibi & san racecheck alibi & san synccheck alibi &
wait; cat $L/san.* > $L/sanitizers.log; rm -f $L/san.*; cat $L/sanitizers.log
true
