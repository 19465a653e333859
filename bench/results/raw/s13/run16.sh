#!/bin/bash
# Session 13, call 16: main 7b6e6cb after the mend (lds_f32x4 in kQScale's pass; the softcap entries' SASS
# identical to bb52b31's, every other fa3 entry's PTX too).
# tests/gpu on every h100 bf16/f16 and h200 entry, full grid, with the records; then
# compute-sanitizer memcheck, racecheck and synccheck over every fwd-h100 / fwd-h200 entry (small
# grid), so that every fa3 kernel of the final main passes both on the device itself.
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; c=.carry/s13; bin=$c/final3; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv; } | tee $L/card.txt
export QIMENG_DATE=$(date -u +%F)
t() { QIMENG_TEST_FILTER=$1 QIMENG_COMMAND="bash bench/results/raw/s13/run16.sh (tests/gpu, main 7b6e6cb)" QIMENG_VERIFY_LOG=$out/verify-$1.jsonl timeout 300 $bin/gpu-tests > $L/t-$1.log 2>&1; stamp "gpu-tests $1" $? >> $L/rc.txt; }
t fwd-h100-bf16 & t fwd-h100-f16 & t fwd-h200 &
wait; cat $L/rc.txt; grep -hE "FAIL|^kernels:|panicked" $L/t-*.log | head -20
cat $L/t-*.log > $L/gpu-tests.log; rm -f $L/t-*.log; cat $out/verify-*.jsonl > $out/verify.jsonl; rm -f $out/verify-*.jsonl
run() { # tool filter
  QIMENG_TEST_FILTER="$2" QIMENG_TEST_SHAPES=small timeout 200 compute-sanitizer --tool $1 --error-exitcode 3 "$bin/gpu-tests" > /tmp/san-$1-$2.log 2>&1
  rc=$?; { stamp "== $1 $2" $rc; grep -E "ERROR SUMMARY|RACECHECK SUMMARY|^kernels:" /tmp/san-$1-$2.log | head -n 4; } >> "$L/san.$1-$2"
}
( run racecheck fwd-h100-bf16; run synccheck fwd-h100-; run memcheck fwd-h200- ) &
( run racecheck fwd-h100-f16; run racecheck fwd-h200-; run synccheck fwd-h200-; run memcheck fwd-h100- ) &
wait
cat "$L"/san.*-* > "$L/sanitizers.log"; rm -f "$L"/san.*-*
cat "$L/sanitizers.log"

true
