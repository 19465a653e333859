#!/bin/bash
# Session 9 (issue 9), call 8: the closing verification of branch w4k (kHeadGroup 16 on the five
# window entries, the w4096_0 entries, tests/gpu's 8600-row window case). bash
# bench/results/raw/w3/run8.sh from the repo root of the device's checkout; .carry/w3/final holds
# w4k's release builds (gpu-tests, libqimeng_bench_ffi.so) and its variants_speed.py / bench.py.
# In parallel: tests/gpu of every fwd-h100 / fwd-h200 entry (full grid, QIMENG_VERIFY_LOG: the
# records), memcheck / racecheck / synccheck of the window entries (small grid). Then alone:
# variants_speed.py over every variant at 8k and 16k, twice, without FlexAttention.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/w3; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export QIMENG_DATE=$(date -u +%F)
ms="compute-sanitizer --error-exitcode 3"
( QIMENG_TEST_FILTER=fwd-h QIMENG_COMMAND="bash bench/results/raw/w3/run8.sh (tests/gpu, branch w4k)" QIMENG_VERIFY_LOG=$out/verify.jsonl timeout 420 $c/final/gpu-tests > $L/gpu-tests.log 2>&1; stamp "gpu-tests fwd-h" $? >> $L/rc.txt ) &
for t in memcheck racecheck synccheck; do
  ( QIMENG_TEST_FILTER=-w QIMENG_TEST_SHAPES=small timeout 300 $ms --tool $t $c/final/gpu-tests > $L/$t.log 2>&1; stamp "$t -w (small)" $? >> $L/rc.txt ) &
done
wait
sort $L/rc.txt; grep -HE "FAIL|^kernels:|ERROR SUMMARY|RACECHECK SUMMARY" $L/*.log | sed 's|.*/||' | tail -n 30
export PYTHONUNBUFFERED=1
{
for i in 1 2; do
  timeout 150 python3 $c/variants_speed.py --lib $c/final --out /tmp/v$i.md --parts variants --seqlens 8192,16384 --reps 10 --rounds 3 --no-flex; stamp "variants $i" $?
done
for i in 1 2; do echo "=== /tmp/v$i.md"; cat /tmp/v$i.md; done
} > $L/vs.log 2>&1; cat $L/vs.log
true
