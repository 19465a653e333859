#!/bin/bash
# Session 8, helper hwin6 (issue 9): bash .carry/hwin6/run.sh from the repo root of the device's
# checkout. Builds of build.sh in .carry/hwin6/ (plain d128 causal and full and the three window
# entries): base = main 8b7073c; O = hwin6 with kQStages = 2 and kOInQ on the three window entries
# (O staged in the tile's own Q buffer, the O staging buffer's 32 KiB as the second Q buffer).
# Untimed, in parallel: tests/gpu of O's window entries (full grid), memcheck / racecheck /
# synccheck of them (small grid). Then alone on the card: ab_var.py (each build's entry
# interleaved with base's plain entry) at 8k twice and 4k.
# (.carry/hwin6/ab_var.py was bench/ab_var.py, byte for byte.)
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/hwin6; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export QIMENG_DATE=$(date -u +%F)
ms="compute-sanitizer --error-exitcode 3"
( QIMENG_TEST_FILTER=-w QIMENG_COMMAND="bash bench/results/raw/hwin6/run.sh (tests/gpu of build O)" QIMENG_VERIFY_LOG=$out/verify.jsonl timeout 120 $c/O/gpu-tests > $L/gpu-tests.log 2>&1; stamp "gpu-tests O -w" $? >> $L/rc.txt ) &
for t in memcheck racecheck synccheck; do
  ( QIMENG_TEST_FILTER=-w QIMENG_TEST_SHAPES=small timeout 120 $ms --tool $t $c/O/gpu-tests > $L/$t.log 2>&1; stamp "$t O -w (small)" $? >> $L/rc.txt ) &
done
wait
sort $L/rc.txt; grep -HE "FAIL|^kernels:|ERROR SUMMARY|RACECHECK SUMMARY" $L/*.log | sed 's|.*/||' | tail -n 30
export PYTHONUNBUFFERED=1
cp bench/bench.py bench/variants_speed.py $c/
libs=$c/base,$c/O
{
for S in 8192 8192 4096; do
  timeout 60 python3 $c/ab_var.py --seqlen $S --reps 10 --rounds 5 --libs $libs --keys causal-w1024_0,full-w256_256,causal-w1024_0-softcap50; stamp "ab_var $S" $?
done
} > $L/ab.log 2>&1; cat $L/ab.log
true
