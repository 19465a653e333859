#!/bin/bash
# Session 8, the integrator's call 4 (from the repo root of the device's checkout):
# bash .carry/sc/run4.sh. Builds of build.sh in .carry/sc/ (KEEP = plain d128 causal and the two
# causal window entries): base2 = main f37f3e0 (kFixedMax merged); SL = sc with kShortLast (the
# clipped query blocks of a persistent causal window last, longest first across heads). Untimed,
# in parallel: tests/gpu of SL (its three entries, full grid: the softcap window's new q x 32 / 8
# edge cases and the swing case included), memcheck / racecheck / synccheck of the two window
# entries (small grid). Then alone on the card: ab_var.py (each build's entry interleaved with
# base2's plain causal entry) at 8k (twice), 4k, and 8k at q x 8.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/sc; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export QIMENG_DATE=$(date -u +%F)
ms="compute-sanitizer --error-exitcode 3"
( QIMENG_COMMAND="bash bench/results/raw/sc/run4.sh (tests/gpu of build SL)" QIMENG_VERIFY_LOG=$out/verify.jsonl timeout 150 $c/SL/gpu-tests > $L/gpu-tests.log 2>&1; stamp "gpu-tests SL" $? >> $L/rc.txt ) &
for t in memcheck racecheck synccheck; do
  ( QIMENG_TEST_FILTER=w1024 QIMENG_TEST_SHAPES=small timeout 150 $ms --tool $t $c/SL/gpu-tests > $L/$t.log 2>&1; stamp "$t SL (small)" $? >> $L/rc.txt ) &
done
wait
sort $L/rc.txt; grep -HE "FAIL|^kernels:|ERROR SUMMARY|RACECHECK SUMMARY" $L/*.log | sed 's|.*/||' | tail -n 30
export PYTHONUNBUFFERED=1
cp bench/bench.py bench/variants_speed.py $c/
libs=$c/base2,$c/SL
{
for a in "8192 1" "4096 1" "8192 8" "8192 1"; do
  set -- $a
  timeout 80 python3 $c/ab_var.py --seqlen $1 --q-scale $2 --reps 10 --rounds 5 --libs $libs --keys causal-w1024_0,causal-w1024_0-softcap50; stamp "ab_var $1 q$2" $?
done
} > $L/ab.log 2>&1; cat $L/ab.log
true
