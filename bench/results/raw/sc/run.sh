#!/bin/bash
# Session 8, the integrator's softcap call (from the repo root of the device's checkout):
# bash .carry/sc/run.sh (.carry/sc/ab_var.py = bench/ab_var.py). Builds of build.sh in .carry/sc/ (all over main bb5bdc4, the softcap
# entry's ShortSpec edited by sed): base = main; Q = + kQStages = 2; QD = + kQStages = 2 and
# kDeferEpilogue; QX = + kQStages = 2 and kCrossTile (the plain d128 causal entry's short
# schedule). Untimed, in parallel: tests/gpu (full grid) and memcheck / racecheck / synccheck
# (small grid) of each candidate on causal-softcap50. Then alone on the card: ab_var.py (every
# build's softcap entry interleaved with base's plain causal entry) at 8k (q x 1, q x 8), 2k, 512.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/sc; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export QIMENG_DATE=$(date -u +%F)
ms="compute-sanitizer --error-exitcode 3"
f=d128-causal-softcap50
for b in Q QD QX; do
  ( QIMENG_TEST_FILTER=$f QIMENG_COMMAND="bash bench/results/raw/sc/run.sh (tests/gpu of build $b)" QIMENG_VERIFY_LOG=$out/verify-$b.jsonl timeout 150 $c/$b/gpu-tests > $L/gpu-tests-$b.log 2>&1; stamp "gpu-tests $b" $? >> $L/rc.txt ) &
  for t in memcheck racecheck synccheck; do
    ( QIMENG_TEST_FILTER=$f QIMENG_TEST_SHAPES=small timeout 150 $ms --tool $t $c/$b/gpu-tests > $L/$t-$b.log 2>&1; stamp "$t $b (small)" $? >> $L/rc.txt ) &
  done
done
wait
sort $L/rc.txt; grep -HE "FAIL|^kernels:|ERROR SUMMARY|RACECHECK SUMMARY" $L/*.log | sed 's|.*/||' | tail -n 30
export PYTHONUNBUFFERED=1
cp bench/bench.py bench/variants_speed.py $c/
libs=$c/base,$c/Q,$c/QD,$c/QX
for a in "8192 1" "8192 8" "2048 1" "512 1"; do
  set -- $a
  timeout 80 python3 $c/ab_var.py --seqlen $1 --q-scale $2 --reps 10 --rounds 5 --libs $libs --keys causal-softcap50 > $L/ab-$1-q$2.log 2>&1; stamp "ab_var $1 q$2" $? | tee -a $L/rc.txt; cat $L/ab-$1-q$2.log
done
timeout 80 python3 $c/ab_var.py --seqlen 8192 --reps 10 --rounds 5 --libs $libs --keys causal-softcap50 > $L/ab-8192-q1-b.log 2>&1; stamp "ab_var 8192 q1 (second)" $? | tee -a $L/rc.txt; cat $L/ab-8192-q1-b.log
true
