#!/bin/bash
# hvar5's one device call, carry [".carry/hvar5"] (builds of build.sh: base = main's header,
# W = no degree-7 tier, S = the unmasked MUFU fallback shares the masked softmax, WS = both,
# WSP = WS + the polynomial path's row sums in 4 chains). Untimed, together: tests/gpu on the
# two causal softcap entries of W, S, WS, WSP (records), memcheck + racecheck (small grid) on
# their causal-softcap50. Then alone on the card: ab.py (5 builds in one process, interleaved
# with the plain entry) at q x 1 (twice), 4, 8, 32.
set -uo pipefail
o=${OUT:-/tmp/out}; L=/tmp/hvar5-logs; mkdir -p "$o" $L; c=.carry/hvar5; t0=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - t0 ))s" | tee -a $L/rc.txt; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv | tee $L/card.txt
export QIMENG_DATE=$(date -u +%F) PYTHONUNBUFFERED=1
for b in W S WS WSP; do
  ( QIMENG_COMMAND="bash bench/results/raw/hvar5/run.sh (gpu-tests of the causal softcap entries, build $b)" \
    QIMENG_VERIFY_LOG=$L/verify-$b.jsonl timeout 50 $c/$b/gpu-tests > $L/gpu-tests-$b.log 2>&1; stamp "gpu-tests $b" $? ) &
done
ms="compute-sanitizer --error-exitcode 3"
for spec in W:memcheck S:memcheck WS:memcheck WSP:memcheck W:racecheck S:racecheck WS:racecheck WSP:racecheck; do
  IFS=: read -r b tool <<< "$spec"
  ( QIMENG_TEST_FILTER=fwd-h100-bf16-d128-causal-softcap50 QIMENG_TEST_SHAPES=small timeout 50 $ms --tool $tool $c/$b/gpu-tests > $L/$tool-$b.log 2>&1; stamp "$tool $b" $? ) &
done
wait
grep -HE "FAIL|^kernels:|SUMMARY" $L/*.log | sed 's|.*/||' | tail -n 20
cp bench/bench.py bench/variants_speed.py $c/
py="python3 $c/ab.py --seqlen 8192 --reps 10 --rounds 5 --libs $c/base,$c/W,$c/S,$c/WS,$c/WSP"
sk=causal-softcap50,causal-w1024_0-softcap50
timeout 40 $py --keys $sk > $L/ab-q1.log 2>&1; stamp "ab q1" $?; cat $L/ab-q1.log
timeout 25 $py --keys causal-softcap50 > $L/ab-q1b.log 2>&1; stamp "ab q1b" $?; cat $L/ab-q1b.log
for x in 4 8 32; do
timeout 25 $py --q-scale $x --keys causal-softcap50 > $L/ab-q$x.log 2>&1; stamp "ab q$x" $?; cat $L/ab-q$x.log
done
cat $L/verify-*.jsonl > "$o/verify.jsonl" 2>/dev/null
tar -czf "$o/hvar5-run.tgz" -C /tmp hvar5-logs; ls -la "$o"
