#!/bin/bash
# Session 9 (issue 9), call 4: bash bench/results/raw/w3/run4.sh from the repo root of the device's
# checkout. Build w4k of build.sh in .carry/w3/ (branch w4k: the new causal w4096_0 and
# w4096_0-softcap50 entries, written by scripts/new-entry.py, with the plain causal, softcap50 and
# w1024_0 entries beside them). Untimed, in parallel: tests/gpu of the two new entries (full grid,
# QIMENG_VERIFY_LOG), memcheck / racecheck / synccheck of them (small grid). Then alone:
# .carry/w3/variants_speed.py (branch w4k's bench/variants_speed.py, with bench.py beside it: two samples without FlexAttention at 8k and 16k, then one with it at 16k).
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/w3; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export QIMENG_DATE=$(date -u +%F)
ms="compute-sanitizer --error-exitcode 3"
( QIMENG_TEST_FILTER=w4096 QIMENG_COMMAND="bash bench/results/raw/w3/run4.sh (tests/gpu of the w4096 entries)" QIMENG_VERIFY_LOG=$out/verify.jsonl timeout 200 $c/w4k/gpu-tests > $L/gpu-tests.log 2>&1; stamp "gpu-tests w4096" $? >> $L/rc.txt ) &
for t in memcheck racecheck synccheck; do
  ( QIMENG_TEST_FILTER=w4096 QIMENG_TEST_SHAPES=small timeout 200 $ms --tool $t $c/w4k/gpu-tests > $L/$t.log 2>&1; stamp "$t w4096 (small)" $? >> $L/rc.txt ) &
done
wait
sort $L/rc.txt; grep -HE "FAIL|^kernels:|ERROR SUMMARY|RACECHECK SUMMARY" $L/*.log | sed 's|.*/||' | tail -n 30
export PYTHONUNBUFFERED=1
{
for i in 1 2; do
  timeout 150 python3 $c/variants_speed.py --lib $c/w4k --out /tmp/v$i.md --parts variants --seqlens 8192,16384 --reps 10 --rounds 3 --no-flex --only w4096_0,w4096_0-softcap50,w1024_0,softcap50; stamp "variants $i" $?
done
timeout 200 python3 $c/variants_speed.py --lib $c/w4k --out /tmp/v3.md --parts variants --seqlens 16384 --reps 10 --rounds 3 --only w4096_0,w4096_0-softcap50; stamp "variants flex" $?
for i in 1 2 3; do echo "=== /tmp/v$i.md"; cat /tmp/v$i.md; done
} > $L/vs.log 2>&1; cat $L/vs.log
true
