#!/bin/bash
# Session 9 (issue 9, helper hostore), the one device call: bash bench/results/raw/hostore/run.sh
# from the repo root of the device's checkout, carry [".carry/hostore"]. Builds of build.sh in
# .carry/hostore/: base = main 330bf27; ps = the three window entries with kProducerStore (the
# producer thread issues O's TMA stores). tests/gpu (full grid) of ps's window entries with the
# verify log, memcheck / racecheck / synccheck of them on the small grid, then ab_var.py
# (.carry/hostore/ab_var.py is bench/ab_var.py byte for byte) at 8k twice and
# 4k. Files back: card.txt, rc.txt, gpu-tests.log, verify.jsonl, san-*.log, ab.log.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/hostore; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export QIMENG_DATE=$(date -u +%F)
export QIMENG_COMMAND="bash bench/results/raw/hostore/run.sh"
QIMENG_TEST_FILTER=-w QIMENG_VERIFY_LOG=$L/verify.jsonl timeout 90 $c/ps/gpu-tests > $L/gpu-tests.log 2>&1
rc=$?; stamp "gpu-tests ps" $rc | tee -a $L/rc.txt
grep -E "FAIL|^kernels:" $L/gpu-tests.log | tail -n 20
if [ $rc -ne 0 ]; then echo "tests failed: no sanitizers, no bench"; exit 0; fi
for tool in memcheck racecheck synccheck; do
  QIMENG_TEST_FILTER=-w QIMENG_TEST_SHAPES=small timeout 100 compute-sanitizer --tool $tool --error-exitcode 3 $c/ps/gpu-tests > $L/san-$tool.log 2>&1
  stamp "$tool ps" $? | tee -a $L/rc.txt
  grep -E "ERROR SUMMARY|RACECHECK SUMMARY|^kernels:|FAIL" $L/san-$tool.log | head -n 6
done
export PYTHONUNBUFFERED=1
cp bench/bench.py bench/variants_speed.py $c/
{
for S in 8192 8192 4096; do
  timeout 100 python3 $c/ab_var.py --seqlen $S --reps 10 --rounds 5 --libs $c/base,$c/ps \
    --keys causal-w1024_0,full-w256_256,causal-w1024_0-softcap50; stamp "ab_var $S" $?
done
} > $L/ab.log 2>&1; cat $L/ab.log
true
