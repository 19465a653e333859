#!/bin/bash
# hop11's device call 2 (session 7), from the repo root of the device's checkout:
# bash .carry/hop11/run2.sh. Builds of build.sh in .carry/hop11/: base = main 81f5ce5; X = call
# 1's (commit e76c1bb: kCrossTile with step 0 in two copies); V1 = commit 803cee4 (one step 0),
# kCrossTile on the same 19 entries. Untimed, in parallel: tests/gpu of V1 (its 19 entries, full
# grid), memcheck, racecheck, synccheck of V1's causal-w1024_0 entries and h100 bf16 d64-causal
# (small grid). Then alone on the card: ab_var.py (window entries, 8k, base/X/V1), ab_fa3.py
# (every FA3-grid cell of d128 and d64, base/V1 beside cuDNN), ncu of one launch each (base's
# plain causal, base's and V1's causal-w1024_0). Logs in logs.tgz (the tool returns few files).
set -uo pipefail
out=${OUT:-/tmp/out}; L=/tmp/hop11-logs2; mkdir -p "$out" $L; c=.carry/hop11; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export QIMENG_DATE=$(date -u +%F)
ms="compute-sanitizer --error-exitcode 3"
( QIMENG_COMMAND="bash bench/results/raw/hop11/run2.sh (tests/gpu of build V1: the 19 kCrossTile entries)" QIMENG_VERIFY_LOG=$out/verify.jsonl timeout 100 $c/V1/gpu-tests > $L/gpu-tests.log 2>&1; stamp "gpu-tests V1" $? >> $L/rc.txt ) &
for f in causal-w1024_0 h100-bf16-d64-causal; do
  ( QIMENG_TEST_FILTER=$f QIMENG_TEST_SHAPES=small timeout 100 $ms --tool memcheck $c/V1/gpu-tests > $L/memcheck-$f.log 2>&1; stamp "memcheck $f (small)" $? >> $L/rc.txt ) &
  for t in racecheck synccheck; do
    ( QIMENG_TEST_FILTER=$f QIMENG_TEST_SHAPES=small timeout 100 $ms --tool $t $c/V1/gpu-tests > $L/$t-$f.log 2>&1; stamp "$t $f (small)" $? >> $L/rc.txt ) &
  done
done
wait
sort $L/rc.txt; grep -HE "FAIL|^kernels:|ERROR SUMMARY|RACECHECK SUMMARY" $L/*.log | sed 's|.*/||' | tail -n 30
export PYTHONUNBUFFERED=1
cp bench/bench.py bench/variants_speed.py bench/results/raw/hwin2/prof.py $c/
timeout 60 python3 $c/ab_var.py --seqlen 8192 --reps 10 --rounds 5 --libs $c/base,$c/X,$c/V1 --keys causal-w1024_0,full-w256_256,causal-w1024_0-softcap50 > $L/ab-var.log 2>&1; stamp "ab_var" $? | tee -a $L/rc.txt; cat $L/ab-var.log
for d in 128 64; do
  timeout 120 python3 $c/ab_fa3.py --d $d --reps 10 --rounds 5 --libs $c/base,$c/V1 > $L/ab-d$d.log 2>&1; stamp "ab_fa3 d$d" $? | tee -a $L/rc.txt; cat $L/ab-d$d.log
done
timeout 45 ncu -k regex:fa3_fwd_kernel --clock-control none --metrics 'gpu__time_duration.sum,sm__cycles_elapsed.max,smsp__inst_executed.sum,sm__pipe_tensor_cycles_active.avg.pct_of_peak_sustained_active,sm__pipe_tensor_cycles_active.sum' python3 $c/prof.py --libs $c/base,$c/V1 > $L/ncu.txt 2>&1; stamp "ncu" $? | tee -a $L/rc.txt
grep -E "launch:|fa3_fwd_kernel|gpu__time|sm__pipe|sm__cycles|inst_executed" $L/ncu.txt | cut -c1-120
tar -czf "$out/logs.tgz" -C /tmp hop11-logs2
cp $L/ab-var.log $L/ab-d128.log $L/ab-d64.log $L/rc.txt $L/ncu.txt "$out/"
