#!/bin/bash
# Session 9 (issue 9), call 3: bash bench/results/raw/w3/run3.sh from the repo root of the device's
# checkout. Builds of build.sh in .carry/w3/ (KEEP: plain d128 causal and full and the three
# window entries): sbase = branch swap 496f862 as committed (no entry sets kSwapRows: main's
# kernels, PTX byte-identical); sw = the three window entries with kSwapRows (the first turn's
# warpgroup owns the upper 64 rows). Untimed, in parallel:
# tests/gpu of sw (window entries, full grid), memcheck / racecheck / synccheck of sw (small
# grid). Then alone: ab_var.py at 8k twice and 4k (.carry/w3/ab_var.py = bench/ab_var.py).
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/w3; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export QIMENG_DATE=$(date -u +%F)
ms="compute-sanitizer --error-exitcode 3"
for b in sw; do
( QIMENG_TEST_FILTER=-w QIMENG_COMMAND="bash bench/results/raw/w3/run3.sh (tests/gpu of build $b)" QIMENG_VERIFY_LOG=$out/verify-$b.jsonl timeout 150 $c/$b/gpu-tests > $L/gpu-tests-$b.log 2>&1; stamp "gpu-tests $b -w" $? >> $L/rc.txt ) &
done
for t in memcheck racecheck synccheck; do
  ( QIMENG_TEST_FILTER=-w QIMENG_TEST_SHAPES=small timeout 150 $ms --tool $t $c/sw/gpu-tests > $L/san.$t.log 2>&1; stamp "$t sw -w (small)" $? >> $L/rc.txt ) &
done
wait
sort $L/rc.txt; grep -HE "FAIL|^kernels:|ERROR SUMMARY|RACECHECK SUMMARY" $L/*.log | sed 's|.*/||' | tail -n 30
export PYTHONUNBUFFERED=1
cp bench/bench.py bench/variants_speed.py $c/
libs=$c/sbase,$c/sw
{
for S in 8192 8192 4096; do
  timeout 80 python3 $c/ab_var.py --seqlen $S --reps 10 --rounds 5 --libs $libs --keys causal-w1024_0,causal-w1024_0-softcap50,full-w256_256; stamp "ab_var $S" $?
done
} > $L/ab.log 2>&1; cat $L/ab.log
true
