#!/bin/bash
# Session 10, call 9: the closing build's tests. bash bench/results/raw/s10/run9.sh from the repo
# root of the device's checkout; .carry/s10/final/gpu-tests is the working tree's release build
# (kSpecExp on the plain, window and varlen fa3 entries; softcap's tier votes; every kernel's
# large-score cases). tests/gpu of every fwd-h100 / fwd-h200 entry on the full grid
# (QIMENG_VERIFY_LOG: the records), then every other entry on the small grid (their kernels are
# unchanged; this runs tests/gpu's new large-score cases on them, no records).
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; bin=.carry/s10/final; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export QIMENG_DATE=$(date -u +%F)
QIMENG_TEST_FILTER=fwd-h QIMENG_COMMAND="bash bench/results/raw/s10/run9.sh (tests/gpu, session 10 closing build)" QIMENG_VERIFY_LOG=$out/verify.jsonl timeout 420 $bin/gpu-tests > $L/gpu-tests.log 2>&1; stamp "gpu-tests fwd-h" $? | tee -a $L/rc.txt
grep -E "FAIL|^kernels:|panicked" $L/gpu-tests.log | head -20
for f in fwd-t4 fwd-a fwd-l fwd-r dec-; do
  QIMENG_TEST_FILTER=$f QIMENG_TEST_SHAPES=small timeout 60 $bin/gpu-tests > $L/small-$f.log 2>&1; stamp "small $f" $? | tee -a $L/rc.txt
  grep -E "FAIL|^kernels:|panicked" $L/small-$f.log | head -10
done
cat $L/small-*.log > $L/gpu-tests-small.log; rm -f $L/small-*.log
true
