#!/bin/bash
# hvar7's one device call, carry [".carry/hvar7"] (builds of build.sh: base = main's header with
# the plain causal entry; R6 = main's + raw/hvar6/R6-one-softmax-site.patch (softcap kernels run
# a tile's block 0 through the consumer loop, the GEMM issue skipped at j = 0: softmax_at inlined
# once) with tests/gpu; WS = hvar6's build of hvar5's WS, the control, its library copied from
# .carry/hvar6/WS). Untimed, together: tests/gpu on the two causal softcap entries of R6
# (verify.jsonl) and memcheck, racecheck, synccheck (small grid) on R6's causal-softcap50. Then
# alone on the card: hvar3's ab.py (the builds in one process, interleaved with the plain entry)
# on causal softcap50 and causal w1024_0-softcap50 at q x 1 (causal softcap50 twice), 4, 8, 32.
set -uo pipefail
o=${OUT:-/tmp/out}; L=/tmp/hvar7-logs; mkdir -p "$o" $L; c=.carry/hvar7; t0=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - t0 ))s" | tee -a $L/rc.txt; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv | tee $L/card.txt
export QIMENG_DATE=$(date -u +%F) PYTHONUNBUFFERED=1
( QIMENG_COMMAND="bash bench/results/raw/hvar7/run.sh (gpu-tests of the causal softcap entries, build R6)" \
  QIMENG_VERIFY_LOG=$L/verify-R6.jsonl timeout 60 $c/R6/gpu-tests > $L/gpu-tests-R6.log 2>&1; stamp "gpu-tests R6" $? ) &
for tool in memcheck racecheck synccheck; do
  ( QIMENG_TEST_FILTER=fwd-h100-bf16-d128-causal-softcap50 QIMENG_TEST_SHAPES=small timeout 60 \
    compute-sanitizer --error-exitcode 3 --tool $tool $c/R6/gpu-tests > $L/$tool-R6.log 2>&1; stamp "$tool R6" $? ) &
done
wait
grep -HE "FAIL|^kernels:|SUMMARY" $L/*.log | sed 's|.*/||' | tail -n 20
cp bench/bench.py bench/variants_speed.py bench/results/raw/hvar3/ab.py $c/
py="python3 $c/ab.py --seqlen 8192 --reps 10 --rounds 5 --libs $c/base,$c/R6,$c/WS"
both=causal-softcap50,causal-w1024_0-softcap50
timeout 30 $py --keys $both > $L/ab-q1.log 2>&1; stamp "ab q1" $?; cat $L/ab-q1.log
timeout 20 $py --keys causal-softcap50 > $L/ab-q1b.log 2>&1; stamp "ab q1b" $?; cat $L/ab-q1b.log
for x in 4 8 32; do
timeout 30 $py --q-scale $x --keys $both > $L/ab-q$x.log 2>&1; stamp "ab q$x" $?; cat $L/ab-q$x.log
done
cp $L/verify-R6.jsonl "$o/verify.jsonl" 2>/dev/null
tar -czf "$o/hvar7-run.tgz" -C /tmp hvar7-logs; ls -la "$o"
