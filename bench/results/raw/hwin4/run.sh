#!/bin/bash
# hwin4's device call 1 (session 8), from the repo root of the device's checkout:
# bash .carry/hwin4/run.sh. Builds of build.sh in .carry/hwin4/: base = main bb5bdc4; P = branch
# hwin4 (kPolyMasked on causal-w1024_0-softcap50); C = P + kMaskChunks on the three fa3 window
# entries (branch hwin4-c). Untimed, in parallel: tests/gpu of P over every fa3 entry (fwd-h100,
# fwd-h200: the header changed; full grid), of C over its three window entries (full grid);
# memcheck, racecheck, synccheck (small grid) of P's and C's changed entries. Then alone on the
# card: ab_var.py (the window entries, 8k, base/P/C interleaved with the plain entry) at q x 1
# and x 8 (softcap), and ncu (one launch each of the window entries of every build).
set -uo pipefail
out=${OUT:-/tmp/out}; L=/tmp/hwin4-logs; mkdir -p "$out" $L; c=.carry/hwin4; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export QIMENG_DATE=$(date -u +%F)
ms="compute-sanitizer --error-exitcode 3"
( QIMENG_COMMAND="bash bench/results/raw/hwin4/run.sh (tests/gpu of build P: branch hwin4, every fwd-h100/h200 entry)" QIMENG_TEST_FILTER=fwd-h QIMENG_VERIFY_LOG=$out/verify.jsonl timeout 220 $c/P/gpu-tests > $L/gpu-tests-P.log 2>&1; stamp "gpu-tests P" $? >> $L/rc.txt ) &
( QIMENG_COMMAND="bash bench/results/raw/hwin4/run.sh (tests/gpu of build C: branch hwin4-c, the window entries)" QIMENG_TEST_FILTER=-w QIMENG_VERIFY_LOG=$out/verify-C.jsonl timeout 150 $c/C/gpu-tests > $L/gpu-tests-C.log 2>&1; stamp "gpu-tests C" $? >> $L/rc.txt ) &
for b in P:causal-w1024_0-softcap50 C:-w; do
  IFS=: read -r n f <<< "$b"
  for t in memcheck racecheck synccheck; do
    ( QIMENG_TEST_FILTER=$f QIMENG_TEST_SHAPES=small timeout 150 $ms --tool $t $c/$n/gpu-tests > $L/$t-$n.log 2>&1; stamp "$t $n $f (small)" $? >> $L/rc.txt ) &
  done
done
wait
sort $L/rc.txt; grep -HE "FAIL|^kernels:|ERROR SUMMARY|RACECHECK SUMMARY" $L/*.log | sed 's|.*/||' | tail -n 30
export PYTHONUNBUFFERED=1
cp bench/bench.py bench/variants_speed.py bench/ab_var.py $c/
libs=$c/base,$c/P,$c/C
timeout 60 python3 $c/ab_var.py --seqlen 8192 --reps 10 --rounds 5 --libs $libs --keys causal-w1024_0,full-w256_256,causal-w1024_0-softcap50 > $L/ab-var.log 2>&1; stamp "ab_var q1" $? | tee -a $L/rc.txt; cat $L/ab-var.log
timeout 40 python3 $c/ab_var.py --seqlen 8192 --reps 10 --rounds 5 --q-scale 8 --libs $libs --keys causal-w1024_0-softcap50 > $L/ab-var-q8.log 2>&1; stamp "ab_var q8" $? | tee -a $L/rc.txt; cat $L/ab-var-q8.log
timeout 45 ncu -k regex:fa3_fwd_kernel --clock-control none --metrics 'gpu__time_duration.sum,sm__cycles_elapsed.max,smsp__inst_executed.sum,sm__pipe_tensor_cycles_active.avg.pct_of_peak_sustained_active,sm__pipe_tensor_cycles_active.sum' python3 $c/prof.py --libs $libs --keys causal-w1024_0,causal-w1024_0-softcap50,full-w256_256 > $L/ncu.txt 2>&1; stamp "ncu" $? | tee -a $L/rc.txt
grep -E "launch:|gpu__time|sm__pipe_tensor_cycles_active.avg|sm__cycles|inst_executed" $L/ncu.txt | cut -c1-110
tar -czf "$out/logs.tgz" -C /tmp hwin4-logs
cp $L/ab-var.log $L/ab-var-q8.log $L/rc.txt $L/ncu.txt $L/card.txt "$out/"
true
