#!/bin/bash
# Session 12, call 13: after the review (helper, no GPU): one alibi_preload (the end-of-step form
# also at the tile start and in the speculative recompute) and comment fixes. Only full ALiBi's
# PTX changes (every other fa3 entry's is byte-identical to 412efc7's, swept in call 9). A/B of
# full/causal ALiBi (fin: the working tree) against main b3f4fd4 (prev); then tests/gpu, full
# grid, every h100 bf16/f16 and h200 entry, with the records (the header's hash changed), and
# compute-sanitizer on the ALiBi entries, at once.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/s12; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export PYTHONUNBUFFERED=1 PYTHONPATH=bench
{
for sq in 8192:1 16384:1; do
  timeout 60 python3 bench/ab_var.py --seqlen ${sq%:*} --q-scale ${sq#*:} --libs $c/prev,$c/fin --keys full-alibi,causal-alibi; stamp "$sq" $?
done
} > $L/ab.log 2>&1; cat $L/ab.log
export QIMENG_DATE=$(date -u +%F)
t() { QIMENG_TEST_FILTER=$1 QIMENG_COMMAND="bash bench/results/raw/s12/run13.sh (tests/gpu, session 12 final header)" QIMENG_VERIFY_LOG=$out/verify-$1.jsonl timeout 360 $c/final/gpu-tests > $L/t-$1.log 2>&1; stamp "gpu-tests $1" $? >> $L/rc.txt; }
san() { QIMENG_TEST_FILTER="$2" QIMENG_TEST_SHAPES=small timeout 200 compute-sanitizer --tool $1 --error-exitcode 3 $c/final/gpu-tests > /tmp/san-$1-$2.log 2>&1
  r=$?; { stamp "== $1 $2" $r; grep -E "ERROR SUMMARY|RACECHECK SUMMARY|^kernels:" /tmp/san-$1-$2.log | head -n 4; } > $L/san.$1-$2; }
t fwd-h100-bf16 & t fwd-h100-f16 & t fwd-h200 &
san memcheck alibi & san racecheck alibi & san synccheck alibi &
wait; cat $L/rc.txt; grep -hE "FAIL|^kernels:|panicked" $L/t-*.log | head -20
cat $L/t-*.log > $L/gpu-tests.log; rm -f $L/t-*.log; cat $out/verify-*.jsonl > $out/verify.jsonl; rm -f $out/verify-*.jsonl
cat $L/san.* > $L/sanitizers.log; rm -f $L/san.*; cat $L/sanitizers.log
true
