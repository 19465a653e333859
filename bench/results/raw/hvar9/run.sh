#!/bin/bash
# hvar9's one device call, carry [".carry/hvar9"] (build.sh's X = the committed header: WS's hot
# path with the degree-7 tier out of line, with tests/gpu; base and WS = hvar6's builds of main
# 3f828e4's header (with the plain causal entry, ab.py's denominator) and of hvar5's WS, copied
# from .carry/hvar6). Untimed, together: tests/gpu on the two causal softcap entries of X
# (verify.jsonl) and memcheck, racecheck, synccheck (small grid) on X's causal-softcap50. Then
# alone on the card: hvar3's ab.py (the builds in one process, interleaved with the plain entry)
# on causal softcap50 at q x 1 (twice), 4, 8, 32 and causal w1024_0-softcap50 at q x 1 and 8.
set -uo pipefail
o=${OUT:-/tmp/out}; L=/tmp/hvar9-logs; mkdir -p "$o" $L; c=.carry/hvar9; t0=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - t0 ))s" | tee -a $L/rc.txt; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv | tee $L/card.txt
export QIMENG_DATE=$(date -u +%F) PYTHONUNBUFFERED=1
( QIMENG_COMMAND="bash bench/results/raw/hvar9/run.sh (gpu-tests of the causal softcap entries, build X)" \
  QIMENG_TEST_FILTER=softcap QIMENG_VERIFY_LOG=$L/verify-X.jsonl timeout 60 $c/X/gpu-tests \
  > $L/gpu-tests-X.log 2>&1; stamp "gpu-tests X" $? ) &
for tool in memcheck racecheck synccheck; do
  ( QIMENG_TEST_FILTER=fwd-h100-bf16-d128-causal-softcap50 QIMENG_TEST_SHAPES=small timeout 60 \
    compute-sanitizer --error-exitcode 3 --tool $tool $c/X/gpu-tests > $L/$tool-X.log 2>&1; stamp "$tool X" $? ) &
done
wait
grep -HE "FAIL|^kernels:|SUMMARY" $L/*.log | sed 's|.*/||' | tail -n 20
cp bench/bench.py bench/variants_speed.py bench/results/raw/hvar3/ab.py $c/
py="python3 $c/ab.py --seqlen 8192 --reps 10 --rounds 5 --libs $c/base,$c/WS,$c/X"
both=causal-softcap50,causal-w1024_0-softcap50
timeout 25 $py --keys $both > $L/ab-q1.log 2>&1; stamp "ab q1" $?; cat $L/ab-q1.log
timeout 15 $py --keys causal-softcap50 > $L/ab-q1b.log 2>&1; stamp "ab q1b" $?; cat $L/ab-q1b.log
for x in 4 32; do
timeout 15 $py --q-scale $x --keys causal-softcap50 > $L/ab-q$x.log 2>&1; stamp "ab q$x" $?; cat $L/ab-q$x.log
done
timeout 25 $py --q-scale 8 --keys $both > $L/ab-q8.log 2>&1; stamp "ab q8" $?; cat $L/ab-q8.log
cp $L/verify-X.jsonl "$o/verify.jsonl" 2>/dev/null
tar -czf "$o/hvar9-run.tgz" -C /tmp hvar9-logs; ls -la "$o"
