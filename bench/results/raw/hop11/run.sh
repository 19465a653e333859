#!/bin/bash
# hop11's device call 1 (session 7), from the repo root of the device's checkout:
# bash .carry/hop11/run.sh. Builds of build.sh in .carry/hop11/: base = main 81f5ce5; X = the
# branch (kCrossTile on the 19 entries new-entry.py sets it for); XQ = X's three window entries
# with kQStages = 2 as well. Untimed, in parallel: tests/gpu of X (its 19 entries, full grid),
# memcheck, racecheck, synccheck of X's causal-w1024_0 entries and d64-full (small grid). Then
# alone on the card: ab_var.py (the window entries, 8k, base/X/XQ interleaved with the plain
# entry), ab_fa3.py (every FA3-grid cell of d128 and d64, base/X beside cuDNN), and ncu (one
# launch each: base's plain causal and causal-w1024_0 entries, X's causal-w1024_0; hwin2's prof.py).
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/hop11; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export QIMENG_DATE=$(date -u +%F)
ms="compute-sanitizer --error-exitcode 3"
( QIMENG_COMMAND="bash bench/results/raw/hop11/run.sh (tests/gpu of build X: the 19 kCrossTile entries)" QIMENG_VERIFY_LOG=$out/verify.jsonl timeout 100 $c/X/gpu-tests > $L/gpu-tests.log 2>&1; stamp "gpu-tests X" $? >> $L/rc.txt ) &
for f in causal-w1024_0 h100-bf16-d64-full; do
  ( QIMENG_TEST_FILTER=$f QIMENG_TEST_SHAPES=small timeout 100 $ms --tool memcheck $c/X/gpu-tests > $L/memcheck-$f.log 2>&1; stamp "memcheck $f (small)" $? >> $L/rc.txt ) &
  for t in racecheck synccheck; do
    ( QIMENG_TEST_FILTER=$f QIMENG_TEST_SHAPES=small timeout 100 $ms --tool $t $c/X/gpu-tests > $L/$t-$f.log 2>&1; stamp "$t $f (small)" $? >> $L/rc.txt ) &
  done
done
wait
sort $L/rc.txt; grep -HE "FAIL|^kernels:|SUMMARY|ERROR SUMMARY|RACECHECK SUMMARY" $L/*.log | sed 's|.*/||' | tail -n 30
export PYTHONUNBUFFERED=1
cp bench/bench.py bench/variants_speed.py $c/
timeout 60 python3 $c/ab_var.py --seqlen 8192 --reps 10 --rounds 5 --libs $c/base,$c/X,$c/XQ --keys causal-w1024_0,full-w256_256,causal-w1024_0-softcap50 > $L/ab-var.log 2>&1; stamp "ab_var" $? | tee -a $L/rc.txt; cat $L/ab-var.log
for d in 128 64; do
  timeout 120 python3 $c/ab_fa3.py --d $d --reps 10 --rounds 5 --libs $c/base,$c/X > $L/ab-d$d.log 2>&1; stamp "ab_fa3 d$d" $? | tee -a $L/rc.txt; cat $L/ab-d$d.log
done
cp bench/results/raw/hwin2/prof.py $c/
timeout 45 ncu -k regex:fa3_fwd_kernel --clock-control none --metrics 'gpu__time_duration.sum,sm__cycles_elapsed.max,smsp__inst_executed.sum,regex:sm__pipe_tensor.*cycles_active\.avg\.pct_of_peak_sustained_active$,regex:sm__pipe_tensor.*cycles_active\.sum$' python3 $c/prof.py --libs $c/base,$c/X > $L/ncu.txt 2>&1; stamp "ncu" $? | tee -a $L/rc.txt
grep -vE "^==PROF==|^\s*-+\s*$" $L/ncu.txt | cut -c1-120 | head -60
true
