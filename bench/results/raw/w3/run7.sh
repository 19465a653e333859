#!/bin/bash
# Session 9 (issue 9), call 7: bash bench/results/raw/w3/run7.sh from the repo root of the device's
# checkout. Builds of build.sh in .carry/w3/: hb = branch w4k with kHeadGroup (runtime rule: only when a round covers < 2 (head, batch) pairs) in fa3_fwd.cuh
# (no entry sets it: the committed order); hr = the five window entries (w1024_0, w4096_0,
# each alone and with softcap 50, w256_256) with kHeadGroup 16 (tiles in groups of 16 pairs
# taking turns per query block). Untimed: tests/gpu of hr (its window entries, full grid), memcheck / racecheck /
# synccheck of hr (small grid). Then ab_var.py at 16k and 8k twice each, 4k once.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/w3; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
ms="compute-sanitizer --error-exitcode 3"
for b in hr; do
( QIMENG_TEST_FILTER=-w timeout 150 $c/$b/gpu-tests > $L/gpu-tests-$b.log 2>&1; stamp "gpu-tests $b" $? >> $L/rc.txt ) &
done
for t in memcheck racecheck synccheck; do
  ( QIMENG_TEST_FILTER=-w QIMENG_TEST_SHAPES=small timeout 150 $ms --tool $t $c/hr/gpu-tests > /tmp/$t.log 2>&1; stamp "$t hr (small)" $? >> $L/rc.txt; grep -E "^kernels:|SUMMARY" /tmp/$t.log | sed "s/^/$t: /" >> $L/rc.txt ) &
done
wait
sort $L/rc.txt; grep -HE "FAIL|^kernels:" $L/*.log | sed 's|.*/||' | tail -n 30
export PYTHONUNBUFFERED=1
{
for S in 16384 8192 16384 8192 4096; do
  timeout 110 python3 $c/ab_var.py --seqlen $S --reps 10 --rounds 5 --libs $c/hb,$c/hr --keys causal-w1024_0,causal-w4096_0,causal-w1024_0-softcap50,causal-w4096_0-softcap50,full-w256_256; stamp "ab_var $S" $?
done
} > $L/ab.log 2>&1; cat $L/ab.log
true
