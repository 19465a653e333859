#!/bin/bash
# Session 8, the integrator's softcap call 2 (from the repo root of the device's checkout):
# bash .carry/sc/run2.sh. Builds of build.sh in .carry/sc/ (KEEP = plain d128 causal and both
# causal softcap entries): base = main bb5bdc4; FM = branch sc's fa3_fwd.cuh with kFixedMax (bf16
# softcap kernels: a fixed softmax offset of cap log2(e) / 2, no running max). Untimed, in
# parallel: tests/gpu of FM (both softcap entries, full grid), memcheck / racecheck / synccheck
# (small grid). Then alone on the card: ab_var.py (each build's entry interleaved with base's
# plain causal entry), 8k at q x 1 (twice), 8, 32; causal softcap50 also at 2k and 512.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/sc; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export QIMENG_DATE=$(date -u +%F)
ms="compute-sanitizer --error-exitcode 3"
f=softcap50
( QIMENG_TEST_FILTER=$f QIMENG_COMMAND="bash bench/results/raw/sc/run2.sh (tests/gpu of build FM)" QIMENG_VERIFY_LOG=$out/verify.jsonl timeout 150 $c/FM/gpu-tests > $L/gpu-tests.log 2>&1; stamp "gpu-tests FM" $? >> $L/rc.txt ) &
for t in memcheck racecheck synccheck; do
  ( QIMENG_TEST_FILTER=$f QIMENG_TEST_SHAPES=small timeout 150 $ms --tool $t $c/FM/gpu-tests > $L/$t.log 2>&1; stamp "$t FM (small)" $? >> $L/rc.txt ) &
done
wait
sort $L/rc.txt; grep -HE "FAIL|^kernels:|ERROR SUMMARY|RACECHECK SUMMARY" $L/*.log | sed 's|.*/||' | tail -n 30
export PYTHONUNBUFFERED=1
cp bench/bench.py bench/variants_speed.py $c/
libs=$c/base,$c/FM
{
for a in "8192 1 causal-softcap50,causal-w1024_0-softcap50" "8192 8 causal-softcap50,causal-w1024_0-softcap50" "8192 32 causal-softcap50" "2048 1 causal-softcap50" "512 1 causal-softcap50" "8192 1 causal-softcap50,causal-w1024_0-softcap50"; do
  set -- $a
  timeout 80 python3 $c/ab_var.py --seqlen $1 --q-scale $2 --reps 10 --rounds 5 --libs $libs --keys $3; stamp "ab_var $1 q$2" $?
done
} > $L/ab.log 2>&1; cat $L/ab.log
true
