#!/bin/bash
# Session 11, call 5: softcap's later-block tier test as compares ORed into predicates (FSETP)
# instead of an FMNMX max (.carry/s11/vote, the working tree) against main bf2c931
# (.carry/s11/main); KEEP d128 bf16 plain causal/full, ALiBi causal/full and the three softcap
# entries. Then its tests/gpu on the softcap entries, compute-sanitizer on them, and the
# instruction-rate microbenchmark raw/s11/cmp.cu (.carry/s11/tools/cmp) with its SASS.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/s11; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
{
for sq in 8192:1 16384:1 2048:1 8192:4 8192:8; do
  timeout 60 python3 bench/ab_var.py --seqlen ${sq%:*} --q-scale ${sq#*:} --libs $c/main,$c/vote --keys causal-softcap50,causal-w4096_0-softcap50,causal-w1024_0-softcap50; stamp "$sq" $?
done
timeout 60 python3 bench/ab_var.py --seqlen 8192 --libs $c/main,$c/vote --keys causal-alibi,full-alibi; stamp "alibi 8k" $?
} > $L/ab.log 2>&1; cat $L/ab.log
QIMENG_TEST_FILTER=softcap timeout 200 $c/vote/gpu-tests > $L/gpu-tests.log 2>&1; stamp "gpu-tests vote" $? | tee -a $L/rc.txt
grep -E "FAIL|^kernels:|panicked" $L/gpu-tests.log | head -20
$c/tools/cmp > $L/cmp.txt 2>&1; cat $L/cmp.txt
cuobjdump -sass $c/tools/cmp | grep -E "Function|FMNMX|FSETP|PRMT|HMNMX2|VIMNMX|SHF|IMNMX|HSETP2" | sort | uniq -c | sort -rn | head -40 > $L/cmp-sass.txt
san() { QIMENG_TEST_FILTER="$2" QIMENG_TEST_SHAPES=small timeout 200 compute-sanitizer --tool $1 --error-exitcode 3 $c/vote/gpu-tests > /tmp/san-$1-$2.log 2>&1
  r=$?; { stamp "== $1 $2" $r; grep -E "ERROR SUMMARY|RACECHECK SUMMARY|^kernels:" /tmp/san-$1-$2.log | head -n 4; } > $L/san.$1-$2; }
san memcheck softcap & san racecheck softcap & san synccheck softcap &
wait; cat $L/san.* > $L/sanitizers.log; rm -f $L/san.*; cat $L/sanitizers.log
true
