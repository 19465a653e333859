#!/bin/bash
# hop13's device call (session 7), from the repo root of the device's checkout:
# bash .carry/hop13/run.sh. Builds of build.sh in .carry/hop13/ (base = main's kernels; c1..c5 the
# candidates of cand.py). Untimed, in parallel: tests/gpu of every candidate (its two entries,
# full grid; each its own verify log), memcheck, racecheck, synccheck of c5 (small grid). Then
# alone on the card: ab.py (raw/hop9/ab.py) over full 512 / 1k / 2k for d128 and d64, every
# build and cuDNN interleaved in one process (.carry/hop13/ab.py is a copy of raw/hop9/ab.py).
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/hop13; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export QIMENG_DATE=$(date -u +%F)
ms="compute-sanitizer --error-exitcode 3"
for b in c1 c2 c3 c4 c5; do
  ( QIMENG_COMMAND="bash bench/results/raw/hop13/run.sh (tests/gpu of build $b)" QIMENG_VERIFY_LOG=$out/verify-$b.jsonl timeout 70 $c/$b/gpu-tests > $L/gpu-tests-$b.log 2>&1; stamp "gpu-tests $b" $? >> $L/rc.txt ) &
done
for t in memcheck racecheck synccheck; do
  ( QIMENG_TEST_SHAPES=small timeout 70 $ms --tool $t $c/c5/gpu-tests > $L/$t-c5.log 2>&1; stamp "$t c5 (small)" $? >> $L/rc.txt ) &
done
wait
sort $L/rc.txt; grep -HE "FAIL|^kernels:|ERROR SUMMARY|RACECHECK SUMMARY" $L/*.log | sed 's|.*/||' | tail -n 30
export PYTHONUNBUFFERED=1
cp bench/bench.py $c/
for d in 64 128; do
  timeout 60 python3 $c/ab.py --d $d --cells full-512,full-1024,full-2048 --reps 10 --rounds 5 --libs $c/base,$c/c1,$c/c2,$c/c3,$c/c4,$c/c5 > $L/ab-d$d.log 2>&1; stamp "ab d$d" $? | tee -a $L/rc.txt; cat $L/ab-d$d.log
done
