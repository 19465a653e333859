#!/bin/bash
# hvar10's one device call, carry [".carry/hvar10"]. Builds (build.sh): base = main 81f5ce5's
# header (with the plain causal entry, ab.py's denominator); L = the softcap kernels' unmasked
# key blocks in a loop of their own (commit 1 of branch hvar10); L2 = L with poly_k tested in
# that loop's condition (raw/hvar10/L2-split-loop.patch); both with tests/gpu. Controls, copied:
# X = hvar9's X (.carry/hvar9/X), WS = hvar5's WS (.carry/hvar6/WS). Untimed, together: tests/gpu
# on the two causal softcap entries of L and L2 ($OUT/verify-L.jsonl, $OUT/verify.jsonl = L2's)
# and memcheck, racecheck, synccheck (small grid) on causal-softcap50 of L and L2. Then alone
# on the card: hvar3's ab.py (the builds in one process, interleaved with the plain entry) on
# causal softcap50 at q x 1 (two processes), 4, 8, 32, and causal w1024_0-softcap50 at q x 1 and 8.
set -uo pipefail
o=${OUT:-/tmp/out}; L=/tmp/hvar10-logs; mkdir -p "$o" $L; c=.carry/hvar10; t0=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - t0 ))s" | tee -a $L/rc.txt; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv | tee $L/card.txt
export QIMENG_DATE=$(date -u +%F) PYTHONUNBUFFERED=1
for b in L L2; do
( QIMENG_COMMAND="bash bench/results/raw/hvar10/run.sh (gpu-tests of the causal softcap entries, build $b)" \
  QIMENG_TEST_FILTER=softcap QIMENG_VERIFY_LOG=$L/verify-$b.jsonl timeout 60 $c/$b/gpu-tests \
  > $L/gpu-tests-$b.log 2>&1; stamp "gpu-tests $b" $? ) &
for tool in memcheck racecheck synccheck; do
  ( QIMENG_TEST_FILTER=fwd-h100-bf16-d128-causal-softcap50 QIMENG_TEST_SHAPES=small timeout 60 \
    compute-sanitizer --error-exitcode 3 --tool $tool $c/$b/gpu-tests > $L/$tool-$b.log 2>&1; stamp "$tool $b" $? ) &
done
done
wait
grep -HE "FAIL|^kernels:|SUMMARY" $L/*.log | sed 's|.*/||' | tail -n 20
cp bench/bench.py bench/variants_speed.py bench/results/raw/hvar3/ab.py $c/
py="python3 $c/ab.py --seqlen 8192 --reps 10 --rounds 5 --libs $c/base,$c/L,$c/L2,$c/X,$c/WS"
both=causal-softcap50,causal-w1024_0-softcap50
timeout 45 $py --keys $both > $L/ab-q1.log 2>&1; stamp "ab q1" $?; cat $L/ab-q1.log
timeout 30 $py --keys causal-softcap50 > $L/ab-q1b.log 2>&1; stamp "ab q1b" $?; cat $L/ab-q1b.log
for x in 4 32; do
timeout 30 $py --q-scale $x --keys causal-softcap50 > $L/ab-q$x.log 2>&1; stamp "ab q$x" $?; cat $L/ab-q$x.log
done
timeout 45 $py --q-scale 8 --keys $both > $L/ab-q8.log 2>&1; stamp "ab q8" $?; cat $L/ab-q8.log
cp $L/verify-L2.jsonl "$o/verify.jsonl"; cp $L/verify-L.jsonl "$o/verify-L.jsonl"
tar -czf "$o/hvar10-run.tgz" -C /tmp hvar10-logs; ls -la "$o"
