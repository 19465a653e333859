#!/bin/bash
# hvar6's one device call, carry [".carry/hvar6"] (builds of build.sh: base = main's header with
# the plain causal entry; R = the committed header (softcap loop rotated: softmax_at inlined
# once; the polynomial's test first); R1 = the rotation alone; R3 = R1 + an unmasked block the
# polynomial declines takes the masked softmax (hvar5's kSharedFallback); WS = hvar5's WS
# (no degree-7 tier, shared fallback, loop not rotated), the size reference). Untimed,
# together: tests/gpu on the two causal softcap entries of R (records) and memcheck,
# racecheck, synccheck (small grid) on R's causal-softcap50. Then alone on the card:
# hvar3's ab.py (the builds in one process, interleaved with the plain entry) at q x 1 (twice),
# 4, 8, 32 and w1024_0-softcap50 at q x 1 and 8.
set -uo pipefail
o=${OUT:-/tmp/out}; L=/tmp/hvar6-logs; mkdir -p "$o" $L; c=.carry/hvar6; t0=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - t0 ))s" | tee -a $L/rc.txt; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv | tee $L/card.txt
export QIMENG_DATE=$(date -u +%F) PYTHONUNBUFFERED=1
( QIMENG_COMMAND="bash bench/results/raw/hvar6/run.sh (gpu-tests of the causal softcap entries, build R)" \
  QIMENG_VERIFY_LOG=$L/verify-R.jsonl timeout 60 $c/R/gpu-tests > $L/gpu-tests-R.log 2>&1; stamp "gpu-tests R" $? ) &
for tool in memcheck racecheck synccheck; do
  ( QIMENG_TEST_FILTER=fwd-h100-bf16-d128-causal-softcap50 QIMENG_TEST_SHAPES=small timeout 60 \
    compute-sanitizer --error-exitcode 3 --tool $tool $c/R/gpu-tests > $L/$tool-R.log 2>&1; stamp "$tool R" $? ) &
done
wait
grep -HE "FAIL|^kernels:|SUMMARY" $L/*.log | sed 's|.*/||' | tail -n 20
cp bench/bench.py bench/variants_speed.py $c/
py="python3 $c/ab.py --seqlen 8192 --reps 10 --rounds 5 --libs $c/base,$c/R,$c/R1,$c/R3,$c/WS"
timeout 40 $py --keys causal-softcap50,causal-w1024_0-softcap50 > $L/ab-q1.log 2>&1; stamp "ab q1" $?; cat $L/ab-q1.log
timeout 25 $py --keys causal-softcap50 > $L/ab-q1b.log 2>&1; stamp "ab q1b" $?; cat $L/ab-q1b.log
for x in 4 8 32; do
timeout 25 $py --q-scale $x --keys causal-softcap50 > $L/ab-q$x.log 2>&1; stamp "ab q$x" $?; cat $L/ab-q$x.log
done
timeout 25 $py --q-scale 8 --keys causal-w1024_0-softcap50 > $L/ab-w-q8.log 2>&1; stamp "ab w q8" $?; cat $L/ab-w-q8.log
cp $L/verify-R.jsonl "$o/verify.jsonl" 2>/dev/null
tar -czf "$o/hvar6-run.tgz" -C /tmp hvar6-logs; ls -la "$o"
