#!/bin/bash
# Session 10, call 10: compute-sanitizer (racecheck, memcheck) on the closing
# build's kSpecExp kernels (the four d128 bf16 full entries: plain, ALiBi, varlen, w256_256;
# memcheck also d64 full) on the small grid (its large-score cases
# include the swing case, which takes kSpecExp's S recompute). bash
# bench/results/raw/s10/run10.sh from the repo root of the device's checkout;
# .carry/s10/final/gpu-tests as call 9. (Device time left this session: ~200 s, so not the
# whole fwd-h sweep of session 9's run12.)
set -uo pipefail
out=${OUT:-/tmp/out}; L=$out; mkdir -p "$out"; bin=.carry/s10/final; s=$(date +%s)
stamp() { echo "$1 rc=$2 $(( $(date +%s) - s ))s"; }
{ date -u; nvidia-smi --query-gpu=name,driver_version --format=csv; } | tee $L/card.txt
run() { # tool filter seconds
  QIMENG_TEST_FILTER="$2" QIMENG_TEST_SHAPES=small timeout $3 compute-sanitizer --tool $1 --error-exitcode 3 "$bin/gpu-tests" > /tmp/san-$1-$2.log 2>&1
  rc=$?; { stamp "== $1 $2" $rc; grep -E "ERROR SUMMARY|RACECHECK SUMMARY|^kernels:|FAIL" /tmp/san-$1-$2.log | head -n 6; } >> "$L/san.$1-$2"
}
# h100-bf16-d128-full: the plain full, full-alibi, full-varlen and full-w256_256 entries
( run racecheck h100-bf16-d128-full 100 ) &
( run memcheck h100-bf16-d128-full 60; run memcheck h100-bf16-d64-full 40 ) &
wait
cat "$L"/san.*-* > "$L/sanitizers.log"; rm -f "$L"/san.*-*
cat "$L/sanitizers.log"
true
